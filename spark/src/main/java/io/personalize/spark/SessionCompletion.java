package io.personalize.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Completes an import session ({@code POST .../_import/{session}/_complete}) and, when its answer does not come (no
 * answer within the completion's wait, a lost connection: the REST client then sends it to the next node, which
 * answers 409 "is completing" or 404 once the session is over, or 5xx), finds out what became of the version instead
 * of failing on the second node's answer: it asks the model ({@code GET _recommend/models/{m}}: {@code active_version}
 * and {@code status.import}, whose {@code task_id} is the session's id) and the session ({@code GET
 * .../_import/{session}}: open or completing), again and again with growing pauses, until the outcome is known or the
 * bound has passed. Success only when that exact version is the model's active one; the session's import ended
 * otherwise (failed, cancelled, superseded, abandoned) or no outcome within the bound is a {@link NotActivated} naming
 * the session and what the node says. The parts are never sent again; a session found open again (its completion
 * did not take: nothing changed on the node) is completed again, at most {@link #COMPLETIONS} times in all.
 */
final class SessionCompletion {

    /** Sends of {@code _complete} at most: the first, then again while the session is found open. */
    static final int COMPLETIONS = 3;

    /**
     * How long to look for the outcome: until {@code sinceSentMillis} after the first {@code _complete} was sent (the
     * completion's own wait: a large version's flush takes minutes on a busy node), and at least {@code
     * afterFailureMillis} after its failure; pauses from {@code firstPauseMillis}, doubling, at most {@code
     * maxPauseMillis}.
     */
    record Wait(long sinceSentMillis, long afterFailureMillis, long firstPauseMillis, long maxPauseMillis) {
        static final Wait DEFAULT = new Wait(Elasticsearch.COMPLETE_TIMEOUT_MILLIS, 120_000, 1_000, 10_000);
    }

    /** The session's version is not active, or was not within the bound: nothing (or not that version) serves. */
    static final class NotActivated extends RuntimeException {
        NotActivated(String message) {
            super(message);
        }
    }

    private enum Kind {
        ACTIVE,
        ENDED,
        OPEN,
        PENDING
    }

    /**
     * What the nodes say of the session's version: {@code said} for the log and the error; {@code json} the version's
     * record when active, the session's status when it was read.
     */
    private record Outcome(Kind kind, String said, JsonNode json) {}

    private SessionCompletion() {}

    /**
     * Completes {@code session} (its query: {@code parts=..&newest_event=..}) and answers the completion's answer, or,
     * when that answer was lost, the model's record of the activated version.
     */
    static JsonNode complete(
            Elasticsearch.Client client,
            String model,
            String session,
            long version,
            String query,
            Wait wait,
            Consumer<String> log) {
        String sessionPath = "/_recommend/models/" + SparkTrain.encode(model) + "/_import/" + session;
        String completePath = sessionPath + "/_complete?" + query;
        long sent = System.currentTimeMillis();
        Sent first = send(client, completePath);
        if (first.answer() != null) {
            return first.answer();
        }
        return settle(client, model, session, version, sessionPath, completePath, sent, first.failure(), wait, log);
    }

    /** A send of {@code _complete}: its answer, or what left its outcome open. */
    private record Sent(JsonNode answer, RuntimeException failure) {}

    private static Sent send(Elasticsearch.Client client, String completePath) {
        try {
            return new Sent(client.sendWaiting("POST", completePath, (String) null), null);
        } catch (Elasticsearch.ElasticsearchException e) {
            // 400: a part missing (the session stays open) or the request is wrong: the node said what, no doubt
            // left. 409 (completing, on the next node), 404 (over: completed or ended) and 5xx leave the outcome open
            if (e.status() == 409 || e.status() == 404 || e.status() >= 500) {
                return new Sent(null, e);
            }
            throw e;
        } catch (UncheckedIOException e) {
            return new Sent(null, e); // no answer within the wait, or the connection lost: every node tried
        }
    }

    private static JsonNode settle(
            Elasticsearch.Client client,
            String model,
            String session,
            long version,
            String sessionPath,
            String completePath,
            long sent,
            RuntimeException failure,
            Wait wait,
            Consumer<String> log) {
        long failed = System.currentTimeMillis();
        long deadline = Math.max(sent + wait.sinceSentMillis(), failed + wait.afterFailureMillis());
        String what = "version [" + version + "] of [" + model + "] (import session [" + session + "])";
        log.accept("the completion of " + what + " was not answered (" + failure.getMessage()
                + "): asking the nodes whether the version became active");
        int completions = 1;
        long pause = wait.firstPauseMillis();
        long lines = -1;
        while (true) {
            Outcome outcome = outcome(client, model, session, version, sessionPath);
            if (outcome.kind() == Kind.ACTIVE) {
                log.accept(what + " is active: " + outcome.said());
                ObjectNode answer = Elasticsearch.JSON
                        .createObjectNode()
                        .put("acknowledged", true)
                        .put("session", session)
                        .put("model", model)
                        .put("state", "activated");
                answer.set("version", outcome.json());
                if (lines < 0 && outcome.json().has("users")) {
                    // the session's state was never read (the version was active at the first look): the version's
                    // lines are its users' and items' and the popular line the job always writes
                    lines = outcome.json().path("users").asLong()
                            + outcome.json().path("items").asLong()
                            + 1;
                }
                if (lines >= 0) {
                    answer.put("lines", lines);
                }
                return answer;
            }
            if (outcome.kind() == Kind.ENDED) {
                throw new NotActivated(what + " was not activated: " + outcome.said());
            }
            if (outcome.json() != null && outcome.json().has("lines")) {
                lines = outcome.json().path("lines").asLong(); // the session's status: its parts' lines
            }
            if (outcome.kind() == Kind.OPEN && completions < COMPLETIONS) {
                // nothing changed on the node (the completion never arrived, or was undone before it began)
                completions++;
                log.accept("import session [" + session + "] is open: completing it again (" + completions + " of "
                        + COMPLETIONS + ")");
                Sent again = send(client, completePath);
                if (again.answer() != null) {
                    return again.answer();
                }
                failure = again.failure();
                continue;
            }
            long now = System.currentTimeMillis();
            if (now >= deadline) {
                throw new NotActivated(String.format(
                        Locale.ROOT,
                        "%s is not active %.0f s after its completion was sent (%s); the nodes say: %s; see"
                                + " [status.import] in GET _recommend/models/%s",
                        what,
                        (now - sent) / 1e3,
                        failure.getMessage(),
                        outcome.said(),
                        model));
            }
            try {
                Thread.sleep(Math.min(pause, deadline - now));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new NotActivated(what + ": interrupted while waiting for its activation");
            }
            pause = Math.min(pause * 2, wait.maxPauseMillis());
        }
    }

    /** What the model and the session say now. */
    private static Outcome outcome(
            Elasticsearch.Client client, String model, String session, long version, String sessionPath) {
        JsonNode status;
        try {
            status =
                    client.get("/_recommend/models/" + SparkTrain.encode(model)).path("status");
        } catch (Elasticsearch.ElasticsearchException e) {
            if (e.status() == 404) {
                return new Outcome(Kind.ENDED, "the model is gone (" + e.getMessage() + ")", null);
            }
            return new Outcome(Kind.PENDING, e.getMessage(), null);
        } catch (UncheckedIOException e) {
            return new Outcome(Kind.PENDING, e.getMessage(), null);
        }
        long active = status.path("active_version").asLong();
        if (active == version) {
            JsonNode record = Elasticsearch.JSON.createObjectNode().put("version", version);
            for (JsonNode v : status.path("versions")) {
                if (v.path("version").asLong() == version) {
                    record = v;
                }
            }
            return new Outcome(Kind.ACTIVE, "[active_version] is " + version, record);
        }
        JsonNode importing = status.path("import");
        if (session.equals(importing.path("task_id").asText()) == false) {
            return new Outcome(
                    Kind.ENDED,
                    "[active_version] is " + active + " and [status.import] is another import's: " + importing,
                    null);
        }
        String state = importing.path("state").asText();
        if (state.equals("running") == false) {
            return new Outcome(
                    Kind.ENDED,
                    "[status.import] is " + state
                            + (importing.has("reason")
                                    ? " (" + importing.path("reason").asText() + ")"
                                    : "")
                            + " and [active_version] is " + active,
                    null);
        }
        // still running: the session itself says whether its completion runs
        try {
            JsonNode info = client.get(sessionPath);
            String sessionState = info.path("state").asText();
            return new Outcome(
                    sessionState.equals("open") ? Kind.OPEN : Kind.PENDING,
                    "the import runs, its session is " + sessionState,
                    info);
        } catch (RuntimeException e) {
            return new Outcome(Kind.PENDING, "the import runs; its session: " + e.getMessage(), null);
        }
    }
}
