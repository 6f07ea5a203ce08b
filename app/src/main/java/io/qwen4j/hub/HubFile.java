package io.qwen4j.hub;

/** A file of a Hugging Face repository as the hub lists it; {@code sha256} is the LFS object id when stored in LFS. */
public record HubFile(String path, long size, String sha256) {
}
