package io.personalize.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.util.ArrayUtil;
import org.apache.lucene.util.BytesRef;
import org.apache.lucene.util.BytesRefHash;

/**
 * The parts of an import session: which arrived, what each holds, and which document ids each wrote, so that a part
 * sent again replaces its earlier attempt (a client retries a part whose answer it lost) and an item, a user or the
 * popular line is in one part only. The ids are kept in one {@link BytesRefHash} (their bytes in shared blocks, plus
 * three ints per id: its part, its line, and its place in its part's list), never the lines. Not thread-safe: its
 * session guards it.
 */
public final class ImportParts {

    /** Parts are numbered from 1 to this. */
    public static final int MAX_PART = 1_000_000;

    public enum State {
        WRITING,
        WRITTEN,
        FAILED
    }

    /** What one part holds. */
    public record Summary(int part, State state, long lines, long items, long users, long popular) {}

    private static final class Part {
        final int number;
        State state = State.WRITING;
        long items;
        long users;
        long popular;
        int[] ords = new int[8];
        int size;

        Part(int number) {
            this.number = number;
        }

        void add(int ord) {
            ords = ArrayUtil.grow(ords, size + 1);
            ords[size++] = ord;
        }
    }

    private final BytesRefHash ids = new BytesRefHash();
    /** The part that holds each id (by its ord in {@link #ids}), 0 once its part was replaced. */
    private int[] owners = new int[16];

    private int[] lines = new int[16];
    private final TreeMap<Integer, Part> parts = new TreeMap<>();

    /**
     * Starts writing part {@code number}. Answers the document ids its previous attempt wrote, now released: the caller
     * deletes them before writing the part again. Refuses a part that is being written now.
     */
    public List<String> begin(int number) {
        checkNumber(number);
        Part previous = parts.get(number);
        if (previous != null && previous.state == State.WRITING) {
            throw new IllegalStateException("part [" + number + "] is being written: send it again once it answers");
        }
        List<String> released = new ArrayList<>();
        if (previous != null) {
            BytesRef scratch = new BytesRef();
            for (int i = 0; i < previous.size; i++) {
                int ord = previous.ords[i];
                if (owners[ord] == number) {
                    owners[ord] = 0;
                    released.add(ids.get(ord, scratch).utf8ToString());
                }
            }
        }
        parts.put(number, new Part(number));
        return released;
    }

    /**
     * Records the document {@code id} of part {@code number} at {@code line}; refuses it if a part holds it already
     * ({@code what} names it in the message).
     */
    public void claim(int number, String id, String what, int line) {
        Part part = writing(number);
        int ord = ids.add(new BytesRef(id));
        if (ord < 0) {
            ord = -ord - 1;
            int owner = owners[ord];
            if (owner == number) {
                throw new IllegalArgumentException(what + " appears twice (first at line " + lines[ord] + ")");
            }
            if (owner != 0) {
                throw new IllegalArgumentException(
                        what + " appears twice (first in part [" + owner + "] at line " + lines[ord] + ")");
            }
        } else {
            owners = ArrayUtil.grow(owners, ord + 1);
            lines = ArrayUtil.grow(lines, ord + 1);
        }
        owners[ord] = number;
        lines[ord] = line;
        part.add(ord);
    }

    /** Part {@code number} is written, with these counts. */
    public void written(int number, long items, long users, long popular) {
        Part part = writing(number);
        part.state = State.WRITTEN;
        part.items = items;
        part.users = users;
        part.popular = popular;
    }

    /** Part {@code number} could not be written (not for a bad line): it must be sent again. */
    public void failed(int number) {
        writing(number).state = State.FAILED;
    }

    private Part writing(int number) {
        Part part = parts.get(number);
        if (part == null || part.state != State.WRITING) {
            throw new IllegalStateException("part [" + number + "] is not being written");
        }
        return part;
    }

    /**
     * Rebuilds what a session held from its version index, when a node takes the session over: document {@code id}
     * was written by part {@code number} at {@code line}. Call {@link #restored} once every document was read.
     */
    public void restore(int number, String id, int line) {
        Part part = parts.computeIfAbsent(number, Part::new);
        int ord = ids.add(new BytesRef(id));
        if (ord < 0) {
            return; // an index holds an id once
        }
        owners = ArrayUtil.grow(owners, ord + 1);
        lines = ArrayUtil.grow(lines, ord + 1);
        owners[ord] = number;
        lines[ord] = line;
        part.add(ord);
    }

    /**
     * During a {@link #restore}: the parts {@code written} (the cluster state's record) says are written of which fewer
     * documents were restored than their lines, in order.
     */
    public List<Integer> lacking(Map<Integer, ImportSessionRecords.Written> written) {
        List<Integer> lacking = new ArrayList<>();
        for (Map.Entry<Integer, ImportSessionRecords.Written> e : new TreeMap<>(written).entrySet()) {
            Part part = parts.get(e.getKey());
            if ((part == null ? 0 : part.size) < e.getValue().lines()) {
                lacking.add(e.getKey());
            }
        }
        return lacking;
    }

    /**
     * Ends a {@link #restore}: the parts the cluster state records as written ({@code written}), whose documents are all
     * in the index, are written; every other part found (an attempt its node did not finish) or recorded but not whole
     * in the index is failed: it must be sent again, which deletes what it left.
     */
    public void restored(Map<Integer, ImportSessionRecords.Written> written) {
        for (Map.Entry<Integer, ImportSessionRecords.Written> e : written.entrySet()) {
            parts.computeIfAbsent(e.getKey(), Part::new);
        }
        for (Part part : parts.values()) {
            ImportSessionRecords.Written recorded = written.get(part.number);
            if (recorded != null && recorded.lines() == part.size) {
                part.state = State.WRITTEN;
                part.items = recorded.items();
                part.users = recorded.users();
                part.popular = recorded.popular();
            } else {
                part.state = State.FAILED;
            }
        }
    }

    /** Whether a part is being written now. */
    public boolean writing() {
        return parts.values().stream().anyMatch(p -> p.state == State.WRITING);
    }

    /**
     * Why the session cannot complete, or null if it can: the parts must be numbered 1 to the last one with none
     * missing, all written; {@code expected} (null when not said) is the number of parts the client sent.
     */
    public String incomplete(Integer expected) {
        if (parts.isEmpty()) {
            return "no part arrived: the import needs at least one line";
        }
        int last = expected != null ? expected : parts.lastKey();
        if (expected != null && parts.lastKey() > expected) {
            return "part [" + parts.lastKey() + "] arrived, but the import was completed with [parts] = " + expected;
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 1; i <= last && missing.size() < 10; i++) {
            if (parts.containsKey(i) == false) {
                missing.add(i);
            }
        }
        if (missing.isEmpty() == false) {
            return "parts " + missing + " have not arrived (parts 1 to " + last + " make the import): send them";
        }
        for (Part part : parts.values()) {
            if (part.state == State.WRITING) {
                return "part [" + part.number + "] is still being written";
            }
            if (part.state == State.FAILED) {
                return "part [" + part.number + "] failed to be written: send it again";
            }
        }
        if (items() + users() + popular() == 0) {
            return "the parts hold no line: the import needs at least one";
        }
        return null;
    }

    public long items() {
        return parts.values().stream().mapToLong(p -> p.items).sum();
    }

    public long users() {
        return parts.values().stream().mapToLong(p -> p.users).sum();
    }

    public long popular() {
        return parts.values().stream().mapToLong(p -> p.popular).sum();
    }

    /** Each part that arrived, in order. */
    public List<Summary> summaries() {
        List<Summary> result = new ArrayList<>();
        for (Map.Entry<Integer, Part> e : parts.entrySet()) {
            Part p = e.getValue();
            result.add(new Summary(p.number, p.state, p.items + p.users + p.popular, p.items, p.users, p.popular));
        }
        return result;
    }

    static void checkNumber(int number) {
        if (number < 1 || number > MAX_PART) {
            throw new IllegalArgumentException("[part] must be from 1 to " + MAX_PART + ", got [" + number + "]");
        }
    }
}
