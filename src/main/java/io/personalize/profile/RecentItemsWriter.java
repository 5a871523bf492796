package io.personalize.profile;

import io.personalize.model.ForgottenUsers;
import io.personalize.model.ModelIndices;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceAlreadyExistsException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.DocWriteRequest;
import org.elasticsearch.action.NoShardAvailableActionException;
import org.elasticsearch.action.UnavailableShardsException;
import org.elasticsearch.action.admin.cluster.health.ClusterHealthRequest;
import org.elasticsearch.action.admin.indices.create.CreateIndexRequest;
import org.elasticsearch.action.bulk.BulkItemResponse;
import org.elasticsearch.action.bulk.BulkRequest;
import org.elasticsearch.action.delete.DeleteRequest;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.get.MultiGetItemResponse;
import org.elasticsearch.action.get.MultiGetRequest;
import org.elasticsearch.action.index.IndexRequest;
import org.elasticsearch.action.support.ActiveShardCount;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.Randomness;
import org.elasticsearch.core.Nullable;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.index.engine.VersionConflictEngineException;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentFactory;

/**
 * Keeps each user's {@link RecentItems} document up to date with the events just written: one realtime multi-get of the
 * users' documents, one bulk of compare-and-set writes (on the sequence number each was read at, or a create), and
 * again for the users another request updated meanwhile. No refresh is needed by anyone: serving reads the documents
 * with a realtime GET.
 */
public final class RecentItemsWriter {

    private static final int ATTEMPTS = 20;
    private static final TimeValue RETRY_DELAY = TimeValue.timeValueMillis(100);
    /** The longest pause before merging again after losing a compare-and-set to another request. */
    private static final int MAX_CONFLICT_PAUSE_MILLIS = 500;

    /** A random pause (jitter) before the merge after {@code lost} lost compare-and-sets: at most 2, 4, 8... 500 ms. */
    private static TimeValue conflictPause(int lost) {
        int bound = Math.min(MAX_CONFLICT_PAUSE_MILLIS, 2 << Math.min(lost, 16));
        return TimeValue.timeValueMillis(Randomness.get().nextInt(bound + 1));
    }

    private final Client systemClient;
    private final Supplier<ForgottenUsers> forgotten;

    /**
     * Runs {@code again} (a merge or a scrub that lost a compare-and-set, with {@code attempts} left before this one)
     * after a random pause: merging again at once mostly loses again to the same racers (40 requests for one shopper
     * at once: 16 ran out of attempts, after their events were written); each waits a random while, its bound doubling
     * at each attempt.
     */
    private void afterConflict(int attempts, Runnable again) {
        systemClient
                .threadPool()
                .schedule(
                        again,
                        conflictPause(ATTEMPTS - attempts),
                        systemClient.threadPool().generic());
    }

    private static ElasticsearchStatusException tooManyConcurrentUpdates(String what, Collection<String> users) {
        return new ElasticsearchStatusException(
                "could not " + what + " of " + new ArrayList<>(users) + ": too many concurrent updates",
                RestStatus.CONFLICT);
    }

    /** {@code forgotten}: as the node's current cluster state says, read after each read of the users' documents. */
    public RecentItemsWriter(Client systemClient, Supplier<ForgottenUsers> forgotten) {
        this.systemClient = systemClient;
        this.forgotten = forgotten;
    }

    /**
     * Merges {@code seen} (user to the items they just had events on) into the users' documents of {@code model} in
     * {@code index}. Items dated before a user's forgetting are dropped, those stored and those seen: the forgetting
     * records the user in the cluster state before it deletes their document, so a write that read the document before
     * the deletion fails its compare-and-set and reads again, now knowing the forgetting; and a write that created the
     * document after the deletion finds the forgetting in the cluster state once written, and merges again.
     */
    public void update(
            String index, String model, Map<String, List<RecentItems.Seen>> seen, ActionListener<Merged> listener) {
        List<RecentItemsCache.Change> written = new ArrayList<>();
        if (seen.isEmpty()) {
            listener.onResponse(new Merged(written, null));
            return;
        }
        update(
                index,
                model,
                seen,
                ATTEMPTS,
                true,
                written,
                ActionListener.wrap(
                        ok -> listener.onResponse(new Merged(written, null)),
                        e -> listener.onResponse(new Merged(written, e))));
    }

    /**
     * What a merge wrote ({@code changes}, to send to every node's copy), and why it stopped short of some users
     * ({@code failure}, null when every user's document was written). The merge comes after the events are written:
     * a failure here must not fail the events' request (its caller would send them again), so it is an answer.
     */
    public record Merged(
            List<RecentItemsCache.Change> changes, @Nullable Exception failure) {}

    /** The write of a bulk item: the document's new items (null: deleted), at the write's sequence number. */
    private static RecentItemsCache.Change change(BulkItemResponse item, Map<String, RecentItems> next) {
        return new RecentItemsCache.Change(
                item.getId(),
                item.getOpType() == DocWriteRequest.OpType.DELETE ? null : next.get(item.getId()),
                item.getResponse().getPrimaryTerm(),
                item.getResponse().getSeqNo());
    }

    private void update(
            String index,
            String model,
            Map<String, List<RecentItems.Seen>> seen,
            int attempts,
            boolean createIndex,
            List<RecentItemsCache.Change> written,
            ActionListener<Void> listener) {
        MultiGetRequest mget = new MultiGetRequest().realtime(true);
        seen.keySet().forEach(user -> mget.add(index, user));
        systemClient.multiGet(
                mget,
                ActionListener.wrap(
                        response -> {
                            BulkRequest bulk = new BulkRequest();
                            Map<String, RecentItems> nextItems = new HashMap<>();
                            ForgottenUsers forgottenNow = forgotten.get();
                            for (MultiGetItemResponse item : response.getResponses()) {
                                if (item.isFailed()) {
                                    Throwable cause = ExceptionsHelper.unwrapCause(
                                            item.getFailure().getFailure());
                                    if (createIndex && cause instanceof IndexNotFoundException) {
                                        createThen(
                                                index,
                                                () -> update(index, model, seen, attempts, false, written, listener),
                                                listener);
                                        return;
                                    }
                                    if ((cause instanceof NoShardAvailableActionException
                                                    || cause instanceof UnavailableShardsException)
                                            && attempts > 1) {
                                        // the index was created a moment ago and this node has not applied the state
                                        // in which its primary started yet: try again shortly
                                        systemClient
                                                .threadPool()
                                                .schedule(
                                                        () -> update(
                                                                index,
                                                                model,
                                                                seen,
                                                                attempts - 1,
                                                                false,
                                                                written,
                                                                listener),
                                                        RETRY_DELAY,
                                                        systemClient
                                                                .threadPool()
                                                                .generic());
                                        return;
                                    }
                                    throw item.getFailure().getFailure();
                                }
                                GetResponse get = item.getResponse();
                                RecentItems current = get.isExists()
                                        ? RecentItems.parse(get.getSourceAsBytesRef())
                                        : RecentItems.EMPTY;
                                RecentItems next = current.with(
                                        seen.get(get.getId()), forgottenNow.forgottenAt(model, get.getId()));
                                if (next.items().isEmpty()) {
                                    // only what was forgotten: nothing to store, and nothing left of it
                                    if (get.isExists()) {
                                        bulk.add(new DeleteRequest(index, get.getId())
                                                .setIfSeqNo(get.getSeqNo())
                                                .setIfPrimaryTerm(get.getPrimaryTerm()));
                                    }
                                    continue;
                                }
                                nextItems.put(get.getId(), next);
                                IndexRequest write =
                                        new IndexRequest(index).id(get.getId()).source(source(next));
                                if (get.isExists()) {
                                    write.setIfSeqNo(get.getSeqNo()).setIfPrimaryTerm(get.getPrimaryTerm());
                                } else {
                                    write.opType(DocWriteRequest.OpType.CREATE);
                                }
                                bulk.add(write);
                            }
                            if (bulk.numberOfActions() == 0) {
                                listener.onResponse(null);
                                return;
                            }
                            systemClient.bulk(bulk, listener.delegateFailureAndWrap((l, response2) -> {
                                Map<String, List<RecentItems.Seen>> again = new HashMap<>();
                                Exception failure = null;
                                ForgottenUsers forgottenAfter = forgotten.get();
                                for (BulkItemResponse item : response2.getItems()) {
                                    if (item.isFailed() == false) {
                                        written.add(change(item, nextItems));
                                        if (forgottenAfter.forgottenAt(model, item.getId())
                                                > forgottenNow.forgottenAt(model, item.getId())) {
                                            // forgotten while this write was on its way (it may have created the
                                            // document after the forgetting deleted it): merge again, which drops
                                            // what the forgetting covers
                                            again.putIfAbsent(item.getId(), List.of());
                                        }
                                        continue;
                                    }
                                    Exception cause = item.getFailure().getCause();
                                    if (ExceptionsHelper.unwrapCause(cause) instanceof VersionConflictEngineException) {
                                        again.put(
                                                item.getId(),
                                                seen.get(item.getId())); // another request wrote it since: merge again
                                    } else if (failure == null) {
                                        failure = cause;
                                    }
                                }
                                if (failure != null) {
                                    l.onFailure(failure);
                                } else if (again.isEmpty()) {
                                    l.onResponse(null);
                                } else if (attempts > 1) {
                                    afterConflict(
                                            attempts,
                                            () -> update(index, model, again, attempts - 1, false, written, l));
                                } else {
                                    l.onFailure(tooManyConcurrentUpdates("update the recent items", again.keySet()));
                                }
                            }));
                        },
                        listener::onFailure));
    }

    /**
     * Drops from the documents of {@code users} (user id to when they were forgotten, epoch milliseconds) in
     * {@code index} the items dated at or before their forgetting, deleting a document that keeps nothing: what a
     * forgetting cut short left there (its node died between recording the user and deleting their document, and the
     * request was not repeated). Serving hides those items only while the cluster state names the user, so this runs
     * before the entries are pruned. Compare-and-set writes, again for a document another request wrote meanwhile; a
     * missing index or document holds nothing to drop.
     */
    public void scrub(String index, Map<String, Long> users, ActionListener<List<RecentItemsCache.Change>> listener) {
        List<RecentItemsCache.Change> written = new ArrayList<>();
        scrub(index, users, ATTEMPTS, written, listener.map(ignored -> written));
    }

    private void scrub(
            String index,
            Map<String, Long> users,
            int attempts,
            List<RecentItemsCache.Change> written,
            ActionListener<Void> listener) {
        if (users.isEmpty()) {
            listener.onResponse(null);
            return;
        }
        MultiGetRequest mget = new MultiGetRequest().realtime(true);
        users.keySet().forEach(user -> mget.add(index, user));
        systemClient.multiGet(mget, listener.delegateFailureAndWrap((l, response) -> {
            BulkRequest bulk = new BulkRequest();
            Map<String, RecentItems> nextItems = new HashMap<>();
            for (MultiGetItemResponse item : response.getResponses()) {
                if (item.isFailed()) {
                    if (ExceptionsHelper.unwrapCause(item.getFailure().getFailure())
                            instanceof IndexNotFoundException) {
                        continue;
                    }
                    throw item.getFailure().getFailure();
                }
                GetResponse get = item.getResponse();
                if (get.isExists() == false) {
                    continue;
                }
                RecentItems current = RecentItems.parse(get.getSourceAsBytesRef());
                RecentItems kept = current.with(List.of(), users.get(get.getId()));
                if (kept.items().size() == current.items().size()) {
                    continue; // nothing of before the forgetting
                }
                if (kept.items().isEmpty()) {
                    bulk.add(new DeleteRequest(index, get.getId())
                            .setIfSeqNo(get.getSeqNo())
                            .setIfPrimaryTerm(get.getPrimaryTerm()));
                } else {
                    nextItems.put(get.getId(), kept);
                    bulk.add(new IndexRequest(index)
                            .id(get.getId())
                            .source(source(kept))
                            .setIfSeqNo(get.getSeqNo())
                            .setIfPrimaryTerm(get.getPrimaryTerm()));
                }
            }
            if (bulk.numberOfActions() == 0) {
                l.onResponse(null);
                return;
            }
            systemClient.bulk(bulk, l.delegateFailureAndWrap((l2, response2) -> {
                Map<String, Long> again = new HashMap<>();
                for (BulkItemResponse item : response2.getItems()) {
                    if (item.isFailed() == false) {
                        written.add(change(item, nextItems));
                        continue;
                    }
                    Exception cause = item.getFailure().getCause();
                    if (ExceptionsHelper.unwrapCause(cause) instanceof VersionConflictEngineException) {
                        again.put(item.getId(), users.get(item.getId())); // written meanwhile: read it again
                    } else {
                        throw cause;
                    }
                }
                if (again.isEmpty()) {
                    l2.onResponse(null);
                } else if (attempts > 1) {
                    afterConflict(attempts, () -> scrub(index, again, attempts - 1, written, l2));
                } else {
                    throw tooManyConcurrentUpdates("drop the forgotten items", again.keySet());
                }
            }));
        }));
    }

    private void createThen(String index, Runnable then, ActionListener<Void> listener) {
        CreateIndexRequest create = new CreateIndexRequest(index)
                .settings(ModelIndices.recentSettings())
                .mapping(ModelIndices.recentMappings())
                .waitForActiveShards(ActiveShardCount.ONE);
        systemClient.admin().indices().create(create, ActionListener.wrap(created -> then.run(), e -> {
            if (ExceptionsHelper.unwrapCause(e) instanceof ResourceAlreadyExistsException) {
                // another request created it first, maybe a moment ago: wait for its primary, as the creator does
                ClusterHealthRequest health = new ClusterHealthRequest(TimeValue.THIRTY_SECONDS, index)
                        .waitForActiveShards(ActiveShardCount.ONE)
                        .timeout(TimeValue.THIRTY_SECONDS);
                systemClient
                        .admin()
                        .cluster()
                        .health(health, listener.delegateFailureAndWrap((l, answer) -> then.run()));
            } else {
                listener.onFailure(e);
            }
        }));
    }

    private static org.elasticsearch.xcontent.XContentBuilder source(RecentItems items) {
        try {
            return items.toXContent(XContentFactory.jsonBuilder(), ToXContent.EMPTY_PARAMS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
