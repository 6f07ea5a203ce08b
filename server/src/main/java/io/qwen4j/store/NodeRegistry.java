package io.qwen4j.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The server processes sharing the store, with their last heartbeat. */
public final class NodeRegistry {
    private final Database db;

    public NodeRegistry(Database db) {
        this.db = db;
    }

    public void register(Node node) {
        db.write(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO nodes (id, host, pid, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, node.id());
                s.setString(2, node.host());
                s.setLong(3, node.pid());
                s.setLong(4, node.startedAt().toEpochMilli());
                s.setLong(5, node.heartbeatAt().toEpochMilli());
                return s.executeUpdate();
            }
        });
    }

    public void heartbeat(String id, Instant now) {
        db.write(c -> {
            try (PreparedStatement s = c.prepareStatement("UPDATE nodes SET heartbeat_at = ? WHERE id = ?")) {
                s.setLong(1, now.toEpochMilli());
                s.setString(2, id);
                return s.executeUpdate();
            }
        });
    }

    /** Forgets a node: on a clean shutdown, and once recovery has closed a dead node's records. */
    public void remove(String id) {
        db.write(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM nodes WHERE id = ?")) {
                s.setString(1, id);
                return s.executeUpdate();
            }
        });
    }

    public List<Node> list() {
        return db.read(c -> {
            List<Node> nodes = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id, host, pid, started_at, heartbeat_at FROM nodes ORDER BY id");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    nodes.add(new Node(r.getString(1), r.getString(2), r.getLong(3), Instant.ofEpochMilli(r.getLong(4)),
                            Instant.ofEpochMilli(r.getLong(5))));
                }
            }
            return nodes;
        });
    }
}
