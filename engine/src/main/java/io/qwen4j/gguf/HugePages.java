package io.qwen4j.gguf;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Anonymous memory backed by 2 MiB transparent huge pages (Linux), through libc's {@code mmap} and
 * {@code madvise}. Decode streams every weight byte once per token: with 4 KiB pages that is a TLB miss
 * (a page walk, doubly expensive in a VM) every 4 KiB, and file pages of the page cache cannot be huge.
 * A private copy in huge pages removes those misses.
 *
 * <p>Not {@code Arena.allocate}: it zeroes the memory, which would fault it in as small pages before
 * {@code MADV_HUGEPAGE} could apply; a fresh mapping is advised first and then touched by the copy.
 */
public final class HugePages {

    public static final long SIZE = 2L << 20;

    private static final int PROT_READ = 1, PROT_WRITE = 2;
    private static final int MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20;
    private static final int MADV_DONTNEED = 4, MADV_HUGEPAGE = 14;

    private static final MethodHandle MMAP, MUNMAP, MADVISE;

    static {
        MethodHandle mmap = null, munmap = null, madvise = null;
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            } catch (RuntimeException | LinkageError e) { // no native access, no libc symbol: callers fall back
                mmap = munmap = madvise = null;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
    }

    private HugePages() {
    }

    /** Whether {@link #allocate} can work here (Linux, native access granted). */
    public static boolean available() {
        return MMAP != null;
    }

    /**
     * {@code bytes} of fresh, untouched anonymous memory at a 2 MiB boundary, advised {@code MADV_HUGEPAGE},
     * unmapped when {@code arena} closes; or null when that cannot be had (not Linux, no native access,
     * mmap or madvise failed). The kernel may still back parts with small pages (fragmented memory, THP
     * off): see {@link #anonHugePagesBytes}.
     */
    public static MemorySegment allocate(long bytes, Arena arena) {
        if (!available() || bytes <= 0) return null;
        long length = bytes + SIZE; // room to move the start to a 2 MiB boundary
        try {
            MemorySegment base = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, length, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
            if (base.address() == -1L || base.address() == 0L) return null;
            long start = (base.address() + SIZE - 1) & -SIZE;
            long advised = (bytes + SIZE - 1) & -SIZE;
            int rc = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), advised, MADV_HUGEPAGE);
            if (rc != 0) {
                int ignored = (int) MUNMAP.invokeExact(base, length);
                return null;
            }
            long baseAddress = base.address();
            return MemorySegment.ofAddress(start).reinterpret(bytes, arena, s -> unmap(baseAddress, length));
        } catch (Throwable e) {
            return null;
        }
    }

    /**
     * Gives the whole 4 KiB pages inside {@code segment}, private anonymous memory whose contents are no longer
     * needed, back to the system ({@code MADV_DONTNEED}: they read as zeros afterwards). For a weight copy whose
     * matrices were widened into new memory. Nothing happens off Linux, without native access or for heap memory.
     */
    public static void release(MemorySegment segment) {
        if (MADVISE == null || !segment.isNative()) return;
        long start = (segment.address() + 4095) & -4096L, end = (segment.address() + segment.byteSize()) & -4096L;
        if (end <= start) return;
        try {
            int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(start), end - start, MADV_DONTNEED);
        } catch (Throwable e) {
            // the pages stay: only memory is lost
        }
    }

    private static void unmap(long address, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable e) {
            // nothing to do at close: the mapping goes with the process
        }
    }

    /**
     * Bytes of this process's anonymous memory in huge pages ({@code AnonHugePages} summed over
     * /proc/self/smaps_rollup), or -1 where that cannot be read.
     */
    public static long anonHugePagesBytes() {
        return procBytes("/proc/self/smaps_rollup", "AnonHugePages:");
    }

    /** The machine's {@code MemAvailable} (/proc/meminfo) in bytes, or -1 where that cannot be read. */
    public static long memAvailableBytes() {
        return procBytes("/proc/meminfo", "MemAvailable:");
    }

    /** The "{@code key} N kB" line of a /proc file, in bytes; -1 where it cannot be read. */
    private static long procBytes(String file, String key) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of(file))) {
                if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).replace("kB", "").trim()) * 1024;
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
