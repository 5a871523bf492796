package io.personalize.profile;

import io.personalize.model.ActiveVersions;
import io.personalize.model.ForgottenUsers;
import io.personalize.model.ModelBroadcasts;
import io.personalize.model.ModelConfig;
import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;
import io.personalize.model.VersionDataMissingException;
import io.personalize.serving.ModelDocument;
import io.personalize.serving.NeighborList;
import io.personalize.serving.NumberedItems;
import io.personalize.serving.NumberedSet;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.elasticsearch.ElasticsearchStatusException;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.get.MultiGetItemResponse;
import org.elasticsearch.action.get.MultiGetRequest;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.search.aggregations.AggregationBuilders;
import org.elasticsearch.search.aggregations.BucketOrder;
import org.elasticsearch.search.aggregations.bucket.terms.Terms;
import org.elasticsearch.search.aggregations.metrics.Max;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;

/**
 * Loads what a request needs from the active model version, in at most two rounds of reads, all by id or by a small
 * aggregation: the user's profile, the popular list and the context items' neighbours together with the user's newest
 * events; then the neighbour lists of their recent (and, when asked, history) items. Documents come from the node's
 * {@link ServingCache} when it has them, and {@link #withActive} reads the model's document in parallel with the work
 * instead of before it. With a warm cache a request reads nothing when its newest events come from the events API's
 * per-user document (the node's {@link RecentItemsCache}, which the events API updates on every node before it
 * answers), and costs one round trip, the aggregation of the shopper's newest events, when they come from a search of
 * the events index (never cached). Reads go through the plugin's system client: serving needs the model and the events,
 * whoever searches (the events only ever shape the ranking).
 */
public final class ProfileLoader {

    private static final Logger logger = LogManager.getLogger(ProfileLoader.class);

    /** Whose neighbour lists a profile needs. */
    public enum Neighbors {
        /** The context items', the recent items' and the stored history's (up to the recent items wanted): the rescorer. */
        ALL,
        /** The context items' and those of the items the user had events on since the model was trained: a shelf. */
        REAL_TIME
    }

    private final ModelStore store;
    private final Client client;
    private final ServingCache cache;
    private final Supplier<ForgottenUsers> forgotten;
    private final Supplier<ActiveVersions> activeVersions;
    private final ModelBroadcasts broadcasts;
    private final Supplier<DiscoveryNodes> nodes;
    private final Set<String> publishing = ConcurrentHashMap.newKeySet();

    /** A loader without the node's cache and cluster state (Java callers resolving a model's catalogue). */
    public ProfileLoader(ModelStore store) {
        this(store, ServingCache.disabled(), () -> ForgottenUsers.EMPTY);
    }

    /** A loader that reads the model's document for every request (no cluster state of active versions). */
    public ProfileLoader(ModelStore store, ServingCache cache, Supplier<ForgottenUsers> forgotten) {
        this(store, cache, forgotten, () -> ActiveVersions.EMPTY, null, () -> null);
    }

    /**
     * {@code forgotten} and {@code activeVersions}: as the node's current cluster state says, read on every request;
     * {@code broadcasts} publishes a model the cluster state does not know yet (may be null: never); {@code nodes}: the
     * cluster's nodes, as the node's current cluster state says (null: not known), for a read made again.
     */
    public ProfileLoader(
            ModelStore store,
            ServingCache cache,
            Supplier<ForgottenUsers> forgotten,
            Supplier<ActiveVersions> activeVersions,
            ModelBroadcasts broadcasts,
            Supplier<DiscoveryNodes> nodes) {
        this.store = store;
        this.client = store.systemClient();
        this.cache = cache;
        this.forgotten = forgotten;
        this.activeVersions = activeVersions;
        this.broadcasts = broadcasts;
        this.nodes = nodes;
    }

    /**
     * Whether the user's stored profile in this version must not be used: they were forgotten at or after the version's
     * build started (so it may hold what they asked to forget, cached or stored).
     */
    private boolean hidden(ActiveModel model, String user) {
        return forgotten.get().hides(model.name(), user, model.version().builtFrom());
    }

    public ServingCache cache() {
        return cache;
    }

    /** The client that reads and writes the plugin's system indices. */
    /** The users forgotten, as the node's current cluster state says. */
    public Supplier<ForgottenUsers> forgottenUsers() {
        return forgotten;
    }

    public Client systemClient() {
        return client;
    }

    /**
     * The model's document, from this node's copy when it is at least as new as the write the cluster state's entry
     * mirrors (no read), else read: for requests that need the configuration but no version (the events API).
     */
    public void currentModel(String name, ActionListener<ModelStore.StoredModel> listener) {
        ActiveVersions.Entry entry = activeVersions.get().get(name);
        ModelStore.StoredModel known = cache.model(name);
        if (entry != null && known != null && entry.seenBy(known)) {
            listener.onResponse(known);
        } else {
            model(name, listener);
        }
    }

    /** The model and its serving version; 404 when the model does not exist or has no version yet. */
    public void activeModel(String name, ActionListener<ActiveModel> listener) {
        model(name, listener.delegateFailureAndWrap((l, model) -> l.onResponse(active(model))));
    }

    /** The model's document as it is now (parsed again only when it changed since this node last read it). */
    public void model(String name, ActionListener<ModelStore.StoredModel> listener) {
        store.get(name, cache.model(name), listener.delegateFailureAndWrap((l, model) -> {
            cache.model(model);
            l.onResponse(model);
        }));
    }

    /** The serving version of a model; 404 when it has none. */
    public static ActiveModel active(ModelStore.StoredModel model) {
        ModelStatus.Version version = model.status().active();
        if (version == null) {
            throw noVersion(model.name());
        }
        return ActiveModel.of(model, version);
    }

    /**
     * Runs {@code work} on the model's active version, as the node's cluster state names it ({@link ActiveVersions}):
     * no read of the model's document, but the first on this node after the document changed (a new configuration, a
     * new version: the entry names the write it mirrors). The master publishes the entry, and every node applies it,
     * before an activation answers: the next request, on any node, is served from the new version, and a request is
     * served from one version only. A model the cluster state does not know (one activated before this node's plugin
     * published versions, or whose publication failed) is served from its document, read for each request, and
     * published on the way.
     */
    public <T> void withActive(
            String name, BiConsumer<ActiveModel, ActionListener<T>> work, ActionListener<T> listener) {
        ActiveVersions.Entry entry = activeVersions.get().get(name);
        if (entry == null) {
            model(name, listener.delegateFailureAndWrap((l, model) -> {
                publishUnknown(model);
                work.accept(active(model), l);
            }));
            return;
        }
        if (entry.active() == null) {
            listener.onFailure(noVersion(name));
            return;
        }
        ModelStore.StoredModel known = cache.model(name);
        if (known != null && entry.seenBy(known)) {
            work.accept(ActiveModel.of(known, entry.active()), listener);
            return;
        }
        // this node's copy of the document is older than the write the entry mirrors: read it once
        model(name, listener.delegateFailureAndWrap((l, model) -> {
            if (Objects.equals(model.status().uuid(), entry.uuid()) == false
                    || ActiveVersions.Entry.of(model).newerThan(entry)) {
                // a newer write than the cluster state knows yet (its publication is on the way, or failed): the
                // document is the truth
                publishUnknown(model);
                work.accept(active(model), l);
            } else {
                work.accept(ActiveModel.of(model, entry.active()), l);
            }
        }));
    }

    /** Publishes what the cluster state does not know of the model yet, once at a time per model; failures are logged. */
    private void publishUnknown(ModelStore.StoredModel model) {
        if (broadcasts == null || model.status().active() == null || publishing.add(model.name()) == false) {
            return;
        }
        broadcasts.publishActive(
                model,
                ActionListener.runAfter(
                        ActionListener.wrap(
                                ok -> {},
                                e -> logger.debug(
                                        "model [" + model.name() + "] could not publish its active version", e)),
                        () -> publishing.remove(model.name())));
    }

    private static ResourceNotFoundException noVersion(String name) {
        return new ResourceNotFoundException("model [" + name + "] has no trained version yet: train it or import one");
    }

    /**
     * The profile of {@code user} (may be null) with {@code context} items, counting the user's {@code recent} newest
     * items from the events index, topped up from their stored history.
     */
    public void load(
            ActiveModel model,
            String user,
            List<String> context,
            int recent,
            Neighbors wanted,
            ActionListener<Profile> listener) {
        loadKnowingRecent(model, user, context, recent, wanted, listener.map(Loaded::profile));
    }

    /**
     * A profile and the write of the shopper's newest-items document (the events API's) it counted: null when it
     * counted none from there (no user, no newest items wanted, newest items searched in the events index, or a read
     * that failed), {@link RecentItemsCache.Known#ABSENT} when the document does not exist.
     */
    public record Loaded(Profile profile, RecentItemsCache.Known recent) {}

    /**
     * {@link #load}, saying which write of the newest-items document the profile counted: what a copy of anything
     * computed from the profile is keyed by, whether that write came from the node's {@link RecentItemsCache} or from
     * the realtime read that fills it.
     */
    public void loadKnowingRecent(
            ActiveModel model,
            String user,
            List<String> context,
            int recent,
            Neighbors wanted,
            ActionListener<Loaded> listener) {
        Fetched fetched = new Fetched();
        List<String> ids = new ArrayList<>();
        // a cheap map lookup in the node's cluster state, on every request: a node that missed the clearing of its
        // cache
        // (paused, cut off) cannot serve the profile once it has the state that forgets the user
        if (user != null && hidden(model, user) == false) {
            ids.add(ModelDocuments.userDocId(user));
        } else if (user != null && logger.isDebugEnabled()) {
            logger.debug(
                    "model [{}] version [{}]: user [{}] is forgotten: no stored profile",
                    model.name(),
                    model.version().version(),
                    user);
        }
        ids.add(ModelDocuments.POPULAR_ID);
        for (String item : new LinkedHashSet<>(context)) {
            ids.add(ModelDocuments.itemDocId(item));
        }
        ActionListener<Void> firstRound = listener.delegateFailureAndWrap((l, ignored) -> secondRound(
                model,
                user,
                context,
                recent,
                wanted,
                fetched.user,
                notForgotten(model, user, fetched.recentItems),
                fetched.recentWrite,
                fetched.neighbors,
                fetched.popular,
                l.map(profile -> new Loaded(profile, fetched.recentWrite))));
        boolean wantsRecent = user != null && recent > 0;
        boolean fromApi = model.config().events().recentEvents() == ModelConfig.Events.RecentEvents.API;
        try (RefCountingListener refs = new RefCountingListener(firstRound)) {
            // with the events API, the user's newest items are one more document of the same realtime multi-get
            fetch(model, ids, wantsRecent && fromApi ? user : null, fetched, refs.acquire());
            if (wantsRecent && fromApi == false) {
                recentEvents(model, user, recent, refs.acquire(items -> fetched.recentItems = items));
            }
        }
    }

    /**
     * The recent items of events dated after the user was last forgotten: an event of before the forgetting that reaches
     * the events index or the recent-items document after it (a request in flight while the user was forgotten, a
     * write that raced the deletion) is part of what was forgotten and never serves.
     */
    private List<SourceItem> notForgotten(ActiveModel model, String user, List<SourceItem> recentItems) {
        long forgottenAt = user == null ? 0 : forgotten.get().forgottenAt(model.name(), user);
        if (forgottenAt == 0 || recentItems.isEmpty()) {
            return recentItems;
        }
        return recentItems.stream().filter(item -> item.time() > forgottenAt).toList();
    }

    /**
     * What the reads of one profile found, sorted by kind as they arrive (from the cache and the multi-get's response,
     * which may complete on different threads: the fields are volatile or concurrent).
     */
    private static final class Fetched {
        final Map<String, NeighborList> neighbors = new ConcurrentHashMap<>();
        volatile UserProfile user;
        volatile PopularList popular;
        volatile List<SourceItem> recentItems = List.of();
        // the write of the newest-items document recentItems come from (null: not from there)
        volatile RecentItemsCache.Known recentWrite;

        void add(ModelDocument document) {
            switch (document) {
                case NeighborList list -> neighbors.put(list.item(), list);
                case UserProfile profile -> user = profile;
                case PopularList list -> popular = list;
            }
        }
    }

    /**
     * Adds the documents with these ids to {@code fetched}: from the cache, the others with one multi-get; and, for
     * {@code recentUser} (may be null), their {@link RecentItems} document: from the node's {@link RecentItemsCache},
     * else in the same realtime multi-get (and then kept there, unless a write raced the read). A read that fails on
     * the node's copy is made again on the other nodes' copies, one node after the other ({@link #read}): never a
     * document left out because a read failed.
     */
    private void fetch(
            ActiveModel model, List<String> ids, String recentUser, Fetched fetched, ActionListener<Void> listener) {
        long generation = cache.generation();
        // the version and newest-items indices have a copy on every node: read this node's own, so that another node
        // paused or cut off never holds a request up (a read routed to its copy would wait until the master removed it:
        // tens of seconds); a realtime GET sees every acknowledged write on any in-sync copy, and a local copy that is
        // not started yet is skipped for the next one
        MultiGetRequest mget = new MultiGetRequest().realtime(true).preference("_local");
        RecentItemsCache recentCopy = cache.recentItems();
        String recentIndex = recentCopy.indexOf(model);
        long recentStamp = 0;
        if (recentUser != null) {
            // the node's copy, which the events API keeps current on every node before it answers: no read
            RecentItemsCache.Known known = recentCopy.get(model.name(), recentIndex, recentUser);
            if (known != null) {
                fetched.recentItems = known.items().items();
                fetched.recentWrite = known;
                recentUser = null;
            } else {
                recentStamp = recentCopy.stamp(model.name(), recentIndex, recentUser);
                mget.add(recentIndex, recentUser);
            }
        }
        for (String id : ids) {
            ServingCache.Cached cached = cache.document(model, id);
            if (cached == null) {
                mget.add(model.index(), id);
            } else if (cached.document() != null) {
                fetched.add(cached.document());
            }
        }
        if (mget.getItems().isEmpty()) {
            listener.onResponse(null);
            return;
        }
        String recentRead = recentUser;
        long stamp = recentStamp;
        // what one read answered: the newest-items document (kept in the node's copy) or a document of the version
        Read read = new Read() {
            @Override
            public void found(GetResponse get) throws IOException {
                if (recentRead != null && get.getIndex().equals(recentIndex)) {
                    recent(
                            get.isExists()
                                    ? new RecentItemsCache.Known(
                                            RecentItems.parse(get.getSourceAsBytesRef()),
                                            get.getPrimaryTerm(),
                                            get.getSeqNo())
                                    : RecentItemsCache.Known.ABSENT);
                } else {
                    keep(model, get, generation, fetched);
                }
            }

            @Override
            public boolean missingIndex(String index) {
                if (recentRead != null && index.equals(recentIndex)) {
                    recent(RecentItemsCache.Known.ABSENT); // no index yet: nobody sent events through the API
                    return true;
                }
                // the version's data is gone: an error, never a silent empty shelf (a version dropped by a newer
                // activation meanwhile is retried on the new one by withActive, which ignores this error then)
                throw new VersionDataMissingException(
                        model.name(), model.version().version(), model.index());
            }

            @Override
            public String what(String index, String id) {
                return recentRead != null && index.equals(recentIndex)
                        ? "the newest items of user [" + id + "] of model [" + model.name() + "]"
                        : "[" + id + "] of version [" + model.version().version() + "] of model [" + model.name() + "]";
            }

            private void recent(RecentItemsCache.Known known) {
                fetched.recentItems = known.items().items();
                fetched.recentWrite = known;
                recentCopy.offer(model.name(), recentIndex, recentRead, known, stamp);
            }
        };
        read(model.name(), mget, read, null, 0, listener);
    }

    /** At most this many other nodes' copies are asked, one after the other, for a document this node's copy failed. */
    static final int OTHER_COPIES_ASKED = 3;

    /**
     * The other data nodes, whose copies a read made again asks, one node per read: Elasticsearch shuffles the copies on
     * the nodes a preference names, so naming them all at once asks any one of them, possibly a broken one again. Empty
     * on a single node or when the nodes are not known (then the read made again asks any copy, once).
     */
    private static List<String> otherDataNodes(DiscoveryNodes nodes) {
        if (nodes == null) {
            return List.of();
        }
        List<String> others = new ArrayList<>();
        for (String id : nodes.getDataNodes().keySet()) {
            if (id.equals(nodes.getLocalNodeId()) == false) {
                others.add(id);
            }
        }
        return others;
    }

    /** What {@link #fetch} does with each document read, by the index it was read from. */
    private interface Read {
        /** A document read, or found absent. */
        void found(GetResponse get) throws IOException;

        /** The index of a read does not exist: whether that answers the read (else it throws). */
        boolean missingIndex(String index);

        /** What a read is, for an error (not the index's name: a newest-items index carries the model's uuid). */
        String what(String index, String id);
    }

    private static boolean missingIndex(MultiGetItemResponse item, Read read) {
        return ExceptionsHelper.unwrapCause(item.getFailure().getFailure()) instanceof IndexNotFoundException
                && read.missingIndex(item.getIndex());
    }

    /**
     * Reads {@code request}'s documents: {@code attempt} 0 from this node's copy, then each attempt the documents still
     * unread from the next other data node's copies ({@code others}, known from the first failure on), at most
     * {@link #OTHER_COPIES_ASKED} nodes (the copy Elasticsearch ranks fastest would otherwise be asked, often this
     * node's own, the one that just failed). A document the request needs (the version's, the shopper's newest items)
     * that no copy asked can read fails the request (503) instead of being served without, which would serve a known
     * shopper as a stranger, or a shelf without a source's neighbours or the shopper's newest items, where every other
     * node serves them.
     */
    private void read(
            String model,
            MultiGetRequest request,
            Read read,
            List<String> others,
            int attempt,
            ActionListener<Void> listener) {
        boolean last = attempt > 0 && attempt >= Math.max(1, Math.min(others.size(), OTHER_COPIES_ASKED));
        client.multiGet(request, listener.delegateFailureAndWrap((l, response) -> {
            MultiGetRequest again = new MultiGetRequest().realtime(true);
            for (MultiGetItemResponse item : response.getResponses()) {
                if (item.isFailed() == false) {
                    read.found(item.getResponse());
                } else if (missingIndex(item, read) == false) {
                    Exception failure = item.getFailure().getFailure();
                    if (last) {
                        throw new ElasticsearchStatusException(
                                "{} could not be read: {}",
                                RestStatus.SERVICE_UNAVAILABLE,
                                failure,
                                read.what(item.getIndex(), item.getId()),
                                failure.getMessage());
                    }
                    logger.debug(
                            () -> "model [" + model + "]: [" + item.getIndex() + "/" + item.getId()
                                    + "] not read (attempt " + attempt + "): reading it from another node's copy",
                            failure);
                    again.add(item.getIndex(), item.getId());
                }
            }
            if (again.getItems().isEmpty()) {
                l.onResponse(null);
                return;
            }
            // the nodes are looked up only once a read failed: none of it on a request whose reads all answer
            List<String> otherNodes = attempt == 0 ? otherDataNodes(nodes.get()) : others;
            again.preference(otherNodes.isEmpty() ? null : "_prefer_nodes:" + otherNodes.get(attempt));
            read(model, again, read, otherNodes, attempt + 1, l);
        }));
    }

    /** Adds a document read from the version to {@code fetched} and keeps it (or that the version has none) cached. */
    private void keep(ActiveModel model, GetResponse get, long generation, Fetched fetched) throws IOException {
        if (get.isExists() == false) {
            logger.debug("model [{}]: no document [{}/{}] (kept as absent)", model.name(), get.getIndex(), get.getId());
            cache.put(model, get.getId(), null, 0, generation);
            return;
        }
        BytesReference source = get.getSourceAsBytesRef();
        // a neighbour list carries its items' slots in the version's numbering from here on, cached or not
        ModelDocument doc = cache.numbered(model, parse(source));
        cache.put(model, get.getId(), doc, source.length(), generation);
        fetched.add(doc);
    }

    private void secondRound(
            ActiveModel model,
            String user,
            List<String> context,
            int recent,
            Neighbors wanted,
            UserProfile userDoc,
            List<SourceItem> recentItems,
            RecentItemsCache.Known recentWrite,
            Map<String, NeighborList> neighbors,
            PopularList popular,
            ActionListener<Profile> listener) {
        List<SourceItem> sources = new ArrayList<>();
        Set<String> named = new LinkedHashSet<>();
        for (String item : context) {
            if (named.add(item)) {
                sources.add(new SourceItem(item, SourceItem.Origin.CONTEXT));
            }
        }
        int fromUser = 0;
        for (SourceItem item : recentItems) {
            if (fromUser < recent && named.add(item.item())) {
                sources.add(item);
                fromUser++;
            }
        }
        if (userDoc != null) {
            for (String item : userDoc.history()) {
                if (fromUser >= recent) {
                    break;
                }
                if (named.add(item)) {
                    sources.add(new SourceItem(item, SourceItem.Origin.HISTORY));
                    fromUser++;
                }
            }
        }
        Set<String> seenIds = LinkedHashSet.newLinkedHashSet(
                recentItems.size() + (userDoc == null ? 0 : userDoc.history().size()));
        recentItems.forEach(item -> seenIds.add(item.item()));
        // with the slots memoized with the kept documents: the newest items' (unless some were forgotten: then this
        // request's list) and the stored history's
        List<NumberedItems> seenParts = new ArrayList<>(2);
        seenParts.add(
                recentWrite != null && recentWrite.items().items() == recentItems
                        ? recentWrite.items().numbered()
                        : new NumberedItems(
                                recentItems.size(), i -> recentItems.get(i).item()));
        if (userDoc != null) {
            seenIds.addAll(userDoc.history());
            seenParts.add(userDoc.numbered().history());
        }
        Set<String> seen = new NumberedSet(() -> seenIds, seenParts);
        long trainedUntil = model.version().newestEvent();
        List<String> ids = new ArrayList<>();
        for (SourceItem source : sources) {
            boolean needed =
                    switch (source.origin()) {
                        case CONTEXT -> false; // read in the first round
                        case RECENT -> wanted == Neighbors.ALL || source.time() > trainedUntil;
                        case HISTORY -> wanted == Neighbors.ALL;
                    };
            if (needed && neighbors.containsKey(source.item()) == false) {
                ids.add(ModelDocuments.itemDocId(source.item()));
            }
        }
        Fetched more = new Fetched();
        more.neighbors.putAll(neighbors);
        fetch(
                model,
                ids,
                null,
                more,
                listener.map(ignored ->
                        new Profile(model, user, userDoc, sources, new HashMap<>(more.neighbors), seen, popular)));
    }

    /**
     * The user's newest distinct items in the events index, newest first, each with the time of its newest event. One
     * terms aggregation ordered by each item's newest event (exact across shards for this order), so that a shopper who
     * viewed one product fifty times still has fifty distinct recent items, and no hit is fetched.
     */
    private void recentEvents(ActiveModel model, String user, int recent, ActionListener<List<SourceItem>> listener) {
        var events = model.config().events();
        SearchSourceBuilder source = new SearchSourceBuilder()
                .query(QueryBuilders.boolQuery()
                        .filter(QueryBuilders.termQuery(events.userField(), user))
                        .filter(QueryBuilders.termsQuery(
                                events.typeField(), events.weights().keySet())))
                .size(0)
                .trackTotalHits(false)
                .aggregation(AggregationBuilders.terms(RECENT_AGG)
                        .field(events.itemField())
                        .size(recent)
                        .shardSize(recent)
                        .order(List.of(BucketOrder.aggregation(NEWEST_AGG, false), BucketOrder.key(true)))
                        .subAggregation(AggregationBuilders.max(NEWEST_AGG).field(events.timeField())));
        // never partial: a shard without a copy to answer fails the request (503) instead of serving the
        // shopper without the newest items it holds, which a search that reached a copy of it counts
        SearchRequest search = new SearchRequest(events.index())
                .source(source)
                .indicesOptions(IndicesOptions.lenientExpandOpen())
                .allowPartialSearchResults(false);
        client.search(search, listener.map(response -> {
            if (response.getAggregations() == null
                    || response.getAggregations().get(RECENT_AGG) instanceof Terms == false) {
                logger.debug(
                        "model [{}]: user [{}] newest events: no aggregation ({} shards)",
                        model.name(),
                        user,
                        response.getTotalShards());
                return List.of(); // no events index (lenient): nobody has events yet
            }
            Terms terms = response.getAggregations().get(RECENT_AGG);
            if (terms.getBuckets().isEmpty()) {
                logger.debug(
                        "model [{}]: user [{}] has no newest events ({} shards searched)",
                        model.name(),
                        user,
                        response.getTotalShards());
            }
            List<SourceItem> items = new ArrayList<>(terms.getBuckets().size());
            for (Terms.Bucket bucket : terms.getBuckets()) {
                Max newest = bucket.getAggregations().get(NEWEST_AGG);
                // max of a date (or date_nanos) field: epoch milliseconds as a double
                items.add(new SourceItem(bucket.getKeyAsString(), SourceItem.Origin.RECENT, (long) newest.value()));
            }
            return items;
        }));
    }

    /**
     * Those of {@code items} the active version knows: those it has an item document for (a neighbour list, empty or
     * not), which the trainer writes for every item it was trained on; the others are new products. Read like any
     * neighbour list, from the node's {@link ServingCache} (which also keeps "no such document"), the rest with one
     * multi-get of the version index: a warm node answers without a read. Items that had events but that the trainer
     * left out count as new here (no search of the events index, which once decided this).
     */
    public void itemsKnownToTheModel(
            ActiveModel model, Collection<String> items, ActionListener<Set<String>> listener) {
        // the node's memo first (a version's item documents never change): a warm node makes no document id per item
        Set<String> known = HashSet.newHashSet(items.size());
        Set<String> unrecorded = new LinkedHashSet<>();
        for (String item : items) {
            Boolean recorded = cache.knownItem(model, item);
            if (recorded == null) {
                unrecorded.add(item);
            } else if (recorded) {
                known.add(item);
            }
        }
        if (unrecorded.isEmpty()) {
            listener.onResponse(known);
            return;
        }
        long generation = cache.generation();
        List<String> ids = new ArrayList<>(unrecorded.size());
        for (String item : unrecorded) {
            ids.add(ModelDocuments.itemDocId(item));
        }
        Fetched fetched = new Fetched();
        fetch(model, ids, null, fetched, listener.map(ignored -> {
            for (String item : unrecorded) {
                boolean has = fetched.neighbors.containsKey(item);
                if (has) {
                    known.add(item);
                }
                // what the version's documents said: a read that failed failed the request
                cache.knownItem(model, item, has, generation);
            }
            return known;
        }));
    }

    private static final String RECENT_AGG = "recent_items";
    private static final String NEWEST_AGG = "newest";

    static ModelDocument parse(BytesReference source) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, source)) {
            return ModelDocuments.parseLine(parser);
        }
    }
}
