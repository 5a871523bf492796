package io.personalize.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRunnable;
import org.elasticsearch.action.search.ClosePointInTimeRequest;
import org.elasticsearch.action.search.MultiSearchRequest;
import org.elasticsearch.action.search.MultiSearchResponse;
import org.elasticsearch.action.search.OpenPointInTimeRequest;
import org.elasticsearch.action.search.SearchContextId;
import org.elasticsearch.action.search.SearchContextIdForNode;
import org.elasticsearch.action.search.SearchPhaseExecutionException;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.search.ShardSearchFailure;
import org.elasticsearch.action.search.TransportClosePointInTimeAction;
import org.elasticsearch.action.search.TransportOpenPointInTimeAction;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.action.support.TransportActions;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.Setting;
import org.elasticsearch.core.CheckedConsumer;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.index.shard.ShardId;
import org.elasticsearch.node.NodeClosedException;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.SearchContextMissingException;
import org.elasticsearch.search.SearchHit;
import org.elasticsearch.search.SearchHits;
import org.elasticsearch.search.builder.PointInTimeBuilder;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.search.slice.SliceBuilder;
import org.elasticsearch.tasks.CancellableTask;
import org.elasticsearch.tasks.TaskCancelledException;
import org.elasticsearch.transport.ConnectTransportException;

/**
 * Reads every matching document of an index in pages: a point in time keeps the view consistent while the shop keeps
 * writing, {@code search_after} on {@code _shard_doc} walks it without deep paging, and slices read parts of it in
 * parallel. Each page is handled on the given executor, never on a network thread (with a single-threaded executor,
 * pages are handled one at a time even when slices run in parallel). Checks for cancellation between pages and always
 * closes the point in time.
 */
public final class IndexScan {

    public static final int PAGE_SIZE = 10_000;
    /** Points in time a scan that may read again reads at most (see the {@code restart} of {@link #scan}). */
    static final int READS = 3;
    /** The pause before a scan reads again from a new point in time. */
    static final TimeValue READ_AGAIN_PAUSE = TimeValue.timeValueSeconds(1);

    private static final Logger logger = LogManager.getLogger(IndexScan.class);
    private static final TimeValue KEEP_ALIVE = TimeValue.timeValueMinutes(5);

    /**
     * For tests only (the fault tests of it/, never documented, 0 by default): a pause before every page of a slice
     * after its first, so that a test can take away a shard's node while a scan is certainly under way.
     */
    public static final Setting<TimeValue> TESTING_PAGE_DELAY = Setting.timeSetting(
            "personalize.testing.scan_page_delay", TimeValue.ZERO, TimeValue.ZERO, Setting.Property.NodeScope);

    /** Handles one page of hits (referenced only during the call). */
    public interface PageHandler extends CheckedConsumer<SearchHits, Exception> {}

    /** Handles one page of hits of a slice (0 when there is one slice): see {@link #ids}. */
    public interface SlicePageHandler {
        void accept(int slice, SearchHits hits) throws Exception;
    }

    /** A hit's place in a scan: its slice and its {@code _shard_doc} sort value there. */
    public record Position(int slice, long shardDoc) {}

    private final Client client;
    private final Executor executor;
    private final CancellableTask task;
    private final TimeValue pageDelay;

    public IndexScan(Client client, Executor executor, CancellableTask task) {
        this.client = client;
        this.executor = executor;
        this.task = task;
        this.pageDelay = TESTING_PAGE_DELAY.get(client.settings());
    }

    /**
     * Scans {@code index} in {@code slices} parallel slices; {@code source} gives the query and fields of each request
     * (sort, paging and slicing are set here).
     */
    public void scan(
            String index,
            int slices,
            Supplier<SearchSourceBuilder> source,
            PageHandler onPage,
            ActionListener<Void> listener) {
        scan(
                index,
                slices,
                source,
                (slice, hits) -> onPage.accept(hits),
                (pit, done) -> done.onResponse(null),
                listener);
    }

    /** Runs once every page was handled, while the point in time is still open (to look some documents up again). */
    public interface BeforeClose {
        void run(BytesReference pit, ActionListener<Void> listener);
    }

    /** As {@link #scan(String, int, Supplier, PageHandler, ActionListener)}, then {@code beforeClose} with the point in time. */
    public void scan(
            String index,
            int slices,
            Supplier<SearchSourceBuilder> source,
            SlicePageHandler onPage,
            BeforeClose beforeClose,
            ActionListener<Void> listener) {
        scan(index, slices, source, onPage, beforeClose, null, listener);
    }

    /**
     * As {@link #scan(String, int, Supplier, SlicePageHandler, BeforeClose, ActionListener)}; with {@code restart}
     * (not null), a scan whose point in time lost a shard copy (its node died or left: a point in time reads each shard
     * from the copy it opened, and no other copy can take over its reader) reads everything again from a new point in
     * time, as the Spark job does: {@code restart} first drops what the pages handed on (every page of the lost point
     * in time has been handled by then), then the scan starts again from the first page, so no document is counted
     * twice and the result is one point in time's documents, never pages of two. A new point in time opens only when
     * every shard still has a copy: when one cannot be opened (a shard whose only copy was lost), or after
     * {@value #READS} points in time each lost a copy, the scan fails with the 503 naming the lost shard.
     */
    public void scan(
            String index,
            int slices,
            Supplier<SearchSourceBuilder> source,
            SlicePageHandler onPage,
            BeforeClose beforeClose,
            Runnable restart,
            ActionListener<Void> listener) {
        read(index, slices, source, onPage, beforeClose, restart, 1, null, listener);
    }

    /** Reads {@code attempt} (from 1); {@code lost} is what the read before lost, or null for the first. */
    private void read(
            String index,
            int slices,
            Supplier<SearchSourceBuilder> source,
            SlicePageHandler onPage,
            BeforeClose beforeClose,
            Runnable restart,
            int attempt,
            Lost lost,
            ActionListener<Void> listener) {
        OpenPointInTimeRequest open = new OpenPointInTimeRequest(index).keepAlive(KEEP_ALIVE);
        ActionListener<Void> again = ActionListener.wrap(
                listener::onResponse,
                e -> listener.onFailure(
                        lost == null || ExceptionsHelper.unwrap(e, TaskCancelledException.class) != null
                                ? e
                                // a shard whose only copy was lost: nothing to read it from until its node is back
                                : lost.exception(
                                        attempt - 1,
                                        "and no other copy of it could be read (opening a new point in time: "
                                                + Lost.failure(index, e) + ")")));
        client.execute(TransportOpenPointInTimeAction.TYPE, open, again.delegateFailureAndWrap((l, response) -> {
            // each search may hand back a newer id for the same point in time: close the latest
            AtomicReference<BytesReference> pit = new AtomicReference<>(response.getPointInTimeId());
            // once for the whole scan (every slice's pages chain their listeners): a lost shard named once
            ActionListener<Void> named = listener.delegateResponse((l1, e) -> {
                Lost now = Lost.of(index, pit.get(), e);
                if (now == null) {
                    l1.onFailure(e);
                } else if (restart == null || now.copyGone() == false || attempt >= READS) {
                    l1.onFailure(now.exception(attempt, null));
                } else {
                    readAgain(index, attempt, now, l1, next -> {
                        restart.run();
                        read(index, slices, source, onPage, beforeClose, restart, attempt + 1, now, next);
                    });
                }
            });
            ActionListener<Void> closing = ActionListener.runBefore(named, () -> close(pit.get()));
            ActionListener<Void> scanned = closing.delegateFailureAndWrap((l2, done) -> beforeClose.run(pit.get(), l2));
            try (RefCountingListener refs = new RefCountingListener(scanned)) {
                for (int slice = 0; slice < slices; slice++) {
                    SliceBuilder sliceBuilder = slices > 1 ? new SliceBuilder(slice, slices) : null;
                    int number = slice;
                    page(pit, sliceBuilder, null, source, hits -> onPage.accept(number, hits), refs.acquire());
                }
            }
        }));
    }

    /** After a pause, unless the task was cancelled, {@code read} (which restarts the scan) with {@code listener}. */
    private void readAgain(
            String index,
            int attempt,
            Lost lost,
            ActionListener<Void> listener,
            CheckedConsumer<ActionListener<Void>, Exception> read) {
        logger.warn(
                "a shard copy of the point in time over [{}] was lost while it was read ({}): reading it all again from a"
                        + " new point in time (read {} of {})",
                index,
                lost.shards(),
                attempt + 1,
                READS);
        // a short pause: the master removes a dead node and the copies left take over in about that time
        client.threadPool()
                .schedule(
                        () -> {
                            if (task != null && task.isCancelled()) {
                                task.notifyIfCancelled(listener);
                                return;
                            }
                            ActionListener.run(listener, read);
                        },
                        READ_AGAIN_PAUSE,
                        executor);
    }

    private void page(
            AtomicReference<BytesReference> pit,
            SliceBuilder slice,
            Object[] after,
            Supplier<SearchSourceBuilder> source,
            PageHandler onPage,
            ActionListener<Void> listener) {
        if (task != null && task.isCancelled()) {
            task.notifyIfCancelled(listener);
            return;
        }
        SearchSourceBuilder page = source.get();
        if (page.size() < 0) {
            page.size(PAGE_SIZE);
        }
        page.pointInTimeBuilder(new PointInTimeBuilder(pit.get()).setKeepAlive(KEEP_ALIVE))
                .sort("_shard_doc")
                .trackTotalHits(false);
        if (page.storedFields() == null) {
            // no _id per hit: loading it costs more than the doc values we read
            page.storedFields(List.of("_none_"));
        }
        if (slice != null) {
            page.slice(slice);
        }
        if (after != null) {
            page.searchAfter(after);
        }
        // never a page short of a shard: training, evaluation and a takeover's read-back must see every document
        SearchRequest request = new SearchRequest().source(page).allowPartialSearchResults(false);
        client.search(request, listener.delegateFailureAndWrap((l, response) -> {
            // the hits are released when this callback returns: keep them while the page is handled on our executor
            response.mustIncRef();
            executor.execute(ActionRunnable.wrapReleasing(l, response::decRef, l2 -> {
                if (response.pointInTimeId() != null) {
                    pit.set(response.pointInTimeId());
                }
                SearchHits hits = response.getHits();
                onPage.accept(hits);
                SearchHit[] array = hits.getHits();
                if (array.length < page.size()) {
                    l2.onResponse(null);
                } else if (pageDelay.millis() > 0) {
                    Object[] next = array[array.length - 1].getSortValues();
                    client.threadPool().schedule(() -> page(pit, slice, next, source, onPage, l2), pageDelay, executor);
                } else {
                    page(pit, slice, array[array.length - 1].getSortValues(), source, onPage, l2);
                }
            }));
        }));
    }

    /**
     * The {@code _id} of the documents at these {@code _shard_doc} positions of the point in time (one small search
     * each, in one multi-search): pages are read without {@code _id}, which would cost a stored-fields read per hit,
     * and the few documents to name are looked up afterwards. Positions whose document is not found are left out.
     * {@code slices} is the scan's number of slices.
     */
    public void ids(
            BytesReference pit,
            int slices,
            Supplier<SearchSourceBuilder> source,
            List<Position> positions,
            ActionListener<Map<Position, String>> listener) {
        if (positions.isEmpty()) {
            listener.onResponse(Map.of());
            return;
        }
        MultiSearchRequest msearch = new MultiSearchRequest();
        for (Position position : positions) {
            // the page's own request (same point in time, query and slice), from just before the hit: positions are
            // only comparable within a slice
            SearchSourceBuilder one = source.get()
                    .size(1)
                    .storedFields(List.of("_id"))
                    .pointInTimeBuilder(new PointInTimeBuilder(pit).setKeepAlive(KEEP_ALIVE))
                    .sort("_shard_doc")
                    .trackTotalHits(false)
                    // the first document after the one before: the document at this position, which matches the query
                    .searchAfter(new Object[] {position.shardDoc() - 1});
            if (slices > 1) {
                one.slice(new SliceBuilder(position.slice(), slices));
            }
            msearch.add(new SearchRequest().source(one));
        }
        client.multiSearch(msearch, listener.map(response -> {
            Map<Position, String> ids = new HashMap<>();
            MultiSearchResponse.Item[] items = response.getResponses();
            for (int i = 0; i < items.length; i++) {
                if (items[i].isFailure() == false) {
                    SearchHit[] hits = items[i].getResponse().getHits().getHits();
                    if (hits.length > 0
                            && hits[0].getId() != null
                            && position(hits[0]) == positions.get(i).shardDoc()) {
                        ids.put(positions.get(i), hits[0].getId());
                    }
                }
            }
            return ids;
        }));
    }

    /**
     * A page refused because a shard could not be read (its node died or left: the point in time holds a reader on that
     * copy only, no other copy can take over) becomes a 503 naming the index and each shard, so the training's status or
     * the evaluation's answer says what was lost and what to wait for; anything else (a cancellation, a bad query) is
     * passed on as it is. See {@link Lost#of}.
     */
    static Exception shardsLost(String index, BytesReference pit, Exception e) {
        Lost lost = Lost.of(index, pit, e);
        return lost == null ? e : lost.exception(1, null);
    }

    /**
     * The shards a read lost: {@code shards} names each (shard, index, node, reason); {@code copyGone} says that each was
     * lost with its copy (the node died, left or closed, the copy's reader is gone), so that another copy, if any, can
     * be read from a new point in time, rather than refused by every copy (a failure a new point in time would meet
     * again).
     */
    record Lost(String index, String shards, boolean copyGone, Throwable cause) {

        /**
         * What a failed page lost, or null when it is no lost shard (a cancellation, a bad query). Elasticsearch says it
         * two ways: the shards' failures, when the node went while the page was read; or, when it had left the cluster
         * before the page was sent, a refusal naming the point in time's missing nodes (a 404 "search context ...
         * references nodes that have left the cluster", whose class is recent: the shards whose reader was on one of
         * the nodes it names are read from the point in time's id).
         */
        static Lost of(String index, BytesReference pit, Exception e) {
            if (ExceptionsHelper.unwrap(e, TaskCancelledException.class) != null) {
                return null;
            }
            Throwable cause = ExceptionsHelper.unwrapCause(e);
            StringBuilder shards = new StringBuilder();
            if (cause instanceof SearchPhaseExecutionException failure) {
                boolean copyGone = failure.shardFailures().length > 0;
                for (ShardSearchFailure shard : failure.shardFailures()) {
                    String node = shard.shard() == null ? null : shard.shard().getNodeId();
                    lost(shards, shard.index(), shard.shardId(), node, shard.reason());
                    copyGone &= copyGone(shard.getCause());
                }
                if (shards.isEmpty()) {
                    shards.append(failure.getDetailedMessage());
                }
                return new Lost(index, shards.toString(), copyGone, cause);
            }
            String message = String.valueOf(cause.getMessage());
            for (Map.Entry<ShardId, SearchContextIdForNode> shard : readers(pit).entrySet()) {
                String node = shard.getValue().getNode();
                if (node != null && message.contains(node)) {
                    lost(shards, shard.getKey().getIndexName(), shard.getKey().id(), node, "its node left the cluster");
                }
            }
            if (shards.isEmpty()) {
                return null;
            }
            shards.append(": ").append(message);
            return new Lost(index, shards.toString(), true, cause);
        }

        /** What a failure says: the shards it names (a search's), else its message with its causes'. */
        static String failure(String index, Exception e) {
            Lost lost = Lost.of(index, BytesArray.EMPTY, e);
            return lost != null
                    ? lost.shards()
                    : ExceptionsHelper.unwrapCause(e).toString();
        }

        /** A shard's failure that says its copy is gone: its node is unreachable, closed or restarted, or the shard. */
        private static boolean copyGone(Throwable failure) {
            Throwable cause = ExceptionsHelper.unwrapCause(failure);
            return cause instanceof ConnectTransportException
                    || cause instanceof NodeClosedException
                    || cause instanceof SearchContextMissingException
                    || TransportActions.isShardNotAvailableException(cause);
        }

        /**
         * The 503 naming the index and the shards; {@code reads} points in time were read ({@code > 1}: each lost a
         * copy); {@code why} says why no read follows, or null.
         */
        ElasticsearchStatusException exception(int reads, String why) {
            return new ElasticsearchStatusException(
                    "reading [" + index + "] failed" + (reads > 1 ? " " + reads + " times" : "")
                            + ", a shard could not be read (" + shards + ")" + (why == null ? "" : " " + why)
                            + (reads > 1 ? "; each point in time lost a shard copy while it was read" : "")
                            + ": a training, an evaluation or a takeover reads every document, never part of them; try"
                            + " again once the index is green",
                    RestStatus.SERVICE_UNAVAILABLE,
                    cause);
        }
    }

    private static void lost(StringBuilder shards, String index, int shard, String node, String reason) {
        if (shards.length() > 0) {
            shards.append("; ");
        }
        shards.append("shard [").append(shard).append("] of [").append(index).append("]");
        if (node != null) {
            shards.append(" on node [").append(node).append("]");
        }
        shards.append(": ").append(reason);
    }

    /** The node of each shard's reader of a point in time; empty if its id cannot be read without a query registry. */
    private static Map<ShardId, SearchContextIdForNode> readers(BytesReference pit) {
        try {
            return SearchContextId.decode(new NamedWriteableRegistry(List.of()), pit)
                    .shards();
        } catch (RuntimeException e) {
            return Map.of(); // an alias filter's query in the id: the shards go unnamed
        }
    }

    /** A hit's {@code _shard_doc} position in the point in time, or -1 when it has none. */
    public static long position(SearchHit hit) {
        Object[] sort = hit.getSortValues();
        return sort != null && sort.length == 1 && sort[0] instanceof Number n ? n.longValue() : -1;
    }

    private void close(BytesReference pit) {
        client.execute(TransportClosePointInTimeAction.TYPE, new ClosePointInTimeRequest(pit), ActionListener.noop());
    }
}
