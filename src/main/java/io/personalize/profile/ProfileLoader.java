package io.personalize.profile;

import io.personalize.model.ModelDocuments;
import io.personalize.model.ModelStatus;
import io.personalize.model.ModelStore;

import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.get.GetRequest;
import org.elasticsearch.action.get.GetResponse;
import org.elasticsearch.action.get.MultiGetItemResponse;
import org.elasticsearch.action.get.MultiGetRequest;
import org.elasticsearch.action.search.SearchRequest;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.index.IndexNotFoundException;
import org.elasticsearch.index.query.QueryBuilders;
import org.elasticsearch.search.aggregations.AggregationBuilders;
import org.elasticsearch.search.aggregations.BucketOrder;
import org.elasticsearch.search.aggregations.bucket.terms.Terms;
import org.elasticsearch.search.aggregations.metrics.Max;
import org.elasticsearch.search.builder.SearchSourceBuilder;
import org.elasticsearch.xcontent.ToXContentObject;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Loads what a request needs from the active model version, in at most two rounds of reads, all by id or by a small
 * sorted search: the user's profile, the popular list and the context items' neighbours together with the user's newest
 * events; then the neighbour lists of their recent (and, when asked, history) items. Version documents that requests
 * share (the popular list, items' neighbour lists) come from the node's {@link ServingCache} when it has them. Reads
 * go through the plugin's system client: serving needs the model and the events, whoever searches (the events only
 * ever shape the ranking).
 */
public final class ProfileLoader {

    /** Events read per request for real-time history: a few more than the items wanted, as items repeat. */
    static final int EVENTS_PER_RECENT_ITEM = 3;

    /** Whose neighbour lists a profile needs. */
    public enum Neighbours {
        /** The context items', the recent items' and the stored history's (up to the recent items wanted): the rescorer. */
        ALL,
        /** The context items' and those of the items the user had events on since the model was trained: a shelf. */
        REAL_TIME
    }

    private final ModelStore store;
    private final Client client;
    private final ServingCache cache = new ServingCache();

    public ProfileLoader(ModelStore store) {
        this.store = store;
        this.client = store.systemClient();
    }

    /** The model and its serving version; 404 when the model does not exist or has no version yet. */
    public void activeModel(String name, ActionListener<ActiveModel> listener) {
        model(name, listener.delegateFailureAndWrap((l, model) -> l.onResponse(active(model))));
    }

    /** The model's document as it is now (parsed again only when it changed since this node last read it). */
    public void model(String name, ActionListener<ModelStore.StoredModel> listener) {
        store.get(name, cache.model(name), ActionListener.wrap(model -> {
            cache.model(model);
            listener.onResponse(model);
        }, e -> {
            if (e instanceof ResourceNotFoundException) {
                cache.forget(name);
            }
            listener.onFailure(e);
        }));
    }

    /** The model as this node last read it, or null: what a request may start reading with while it reads the model. */
    public ModelStore.StoredModel cachedModel(String name) {
        return cache.model(name);
    }

    /** The serving version of a model; 404 when it has none. */
    public static ActiveModel active(ModelStore.StoredModel model) {
        ModelStatus.Version version = model.status().active();
        if (version == null) {
            throw new ResourceNotFoundException("model [" + model.name() + "] has no trained version yet: train it or import one");
        }
        return new ActiveModel(model.name(), model.config(), version);
    }

    /**
     * The profile of {@code user} (may be null) with {@code context} items, counting the user's {@code recent} newest
     * items from the events index, topped up from their stored history; every source item's neighbours.
     */
    public void load(ActiveModel model, String user, List<String> context, int recent, ActionListener<Profile> listener) {
        load(model, user, context, recent, Neighbours.ALL, listener);
    }

    public void load(ActiveModel model, String user, List<String> context, int recent, Neighbours wanted, ActionListener<Profile> listener) {
        Map<String, ModelDocuments.ItemDoc> neighbors = new ConcurrentHashMap<>();
        AtomicReference<ModelDocuments.UserDoc> userDoc = new AtomicReference<>();
        AtomicReference<ModelDocuments.PopularDoc> popular = new AtomicReference<>();
        AtomicReference<List<SourceItem>> recentItems = new AtomicReference<>(List.of());
        List<String> ids = new ArrayList<>();
        if (user != null) {
            ids.add(ModelDocuments.userDocId(user));
        }
        if (cache.document(model, ModelDocuments.POPULAR_ID) instanceof ModelDocuments.PopularDoc p) {
            popular.set(p);
        } else {
            ids.add(ModelDocuments.POPULAR_ID);
        }
        for (String item : new LinkedHashSet<>(context)) {
            Object cached = cache.document(model, ModelDocuments.itemDocId(item));
            if (cached instanceof ModelDocuments.ItemDoc doc) {
                neighbors.put(item, doc);
            } else if (cached == null) {
                ids.add(ModelDocuments.itemDocId(item));
            }
        }
        ActionListener<Void> firstRound = listener.delegateFailureAndWrap(
            (l, ignored) -> secondRound(model, user, context, recent, wanted, userDoc.get(), recentItems.get(), neighbors, popular.get(), l)
        );
        try (RefCountingListener refs = new RefCountingListener(firstRound)) {
            if (ids.isEmpty() == false) {
                read(model, ids, refs.acquire(docs -> {
                    for (ToXContentObject doc : docs) {
                        if (doc instanceof ModelDocuments.UserDoc u) {
                            userDoc.set(u);
                        } else if (doc instanceof ModelDocuments.PopularDoc p) {
                            popular.set(p);
                        } else if (doc instanceof ModelDocuments.ItemDoc i) {
                            neighbors.put(i.item(), i);
                        }
                    }
                }));
            }
            if (user != null && recent > 0) {
                recentEvents(model, user, recent, refs.acquire(recentItems::set));
            }
        }
    }

    private void secondRound(
        ActiveModel model,
        String user,
        List<String> context,
        int recent,
        Neighbours wanted,
        ModelDocuments.UserDoc userDoc,
        List<SourceItem> recentItems,
        Map<String, ModelDocuments.ItemDoc> neighbors,
        ModelDocuments.PopularDoc popular,
        ActionListener<Profile> listener
    ) {
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
        Set<String> seen = new LinkedHashSet<>();
        recentItems.forEach(item -> seen.add(item.item()));
        if (userDoc != null) {
            seen.addAll(userDoc.history());
        }
        long trainedUntil = model.version().newestEvent();
        List<String> ids = new ArrayList<>();
        for (SourceItem source : sources) {
            boolean needed = switch (source.origin()) {
                case CONTEXT -> false; // read in the first round
                case RECENT -> wanted == Neighbours.ALL || source.time() > trainedUntil;
                case HISTORY -> wanted == Neighbours.ALL;
            };
            if (needed && neighbors.containsKey(source.item()) == false) {
                Object cached = cache.document(model, ModelDocuments.itemDocId(source.item()));
                if (cached instanceof ModelDocuments.ItemDoc doc) {
                    neighbors.put(source.item(), doc);
                } else if (cached == null) {
                    ids.add(ModelDocuments.itemDocId(source.item()));
                }
            }
        }
        if (ids.isEmpty()) {
            listener.onResponse(new Profile(model, user, userDoc, sources, new HashMap<>(neighbors), seen, popular));
            return;
        }
        read(model, ids, listener.delegateFailureAndWrap((l, docs) -> {
            for (ToXContentObject doc : docs) {
                if (doc instanceof ModelDocuments.ItemDoc item) {
                    neighbors.put(item.item(), item);
                }
            }
            l.onResponse(new Profile(model, user, userDoc, sources, new HashMap<>(neighbors), seen, popular));
        }));
    }

    /**
     * Reads documents of the model's version by id (a get for one, a multi-get for more), those that exist; keeps the
     * shareable ones (the popular list, item neighbour lists, and which items have none) in the node's cache. A version
     * index that vanished under the request (a newer activation deleted it) reads as empty.
     */
    private void read(ActiveModel model, List<String> ids, ActionListener<List<ToXContentObject>> listener) {
        if (ids.size() == 1) {
            String id = ids.get(0);
            client.get(new GetRequest(model.index(), id).realtime(true), ActionListener.wrap(response -> {
                ToXContentObject doc = response.isExists() ? parse(response.getSourceAsBytesRef()) : null;
                keep(model, id, doc, response.isExists() ? response.getSourceAsBytesRef().length() : 0);
                listener.onResponse(doc == null ? List.of() : List.of(doc));
            }, e -> {
                if (e instanceof IndexNotFoundException) {
                    listener.onResponse(List.of());
                } else {
                    listener.onFailure(e);
                }
            }));
            return;
        }
        MultiGetRequest request = new MultiGetRequest().realtime(true);
        ids.forEach(id -> request.add(model.index(), id));
        client.multiGet(request, listener.map(response -> {
            List<ToXContentObject> docs = new ArrayList<>(ids.size());
            for (MultiGetItemResponse item : response.getResponses()) {
                if (item.isFailed()) {
                    continue; // a version index that vanished under us (deleted by a newer activation): treat as missing
                }
                GetResponse get = item.getResponse();
                ToXContentObject doc = get.isExists() ? parse(get.getSourceAsBytesRef()) : null;
                keep(model, item.getId(), doc, get.isExists() ? get.getSourceAsBytesRef().length() : 0);
                if (doc != null) {
                    docs.add(doc);
                }
            }
            return docs;
        }));
    }

    private void keep(ActiveModel model, String id, ToXContentObject doc, long bytes) {
        if (doc instanceof ModelDocuments.ItemDoc || doc instanceof ModelDocuments.PopularDoc) {
            cache.document(model, id, doc, bytes);
        } else if (doc == null && id.startsWith(ModelDocuments.itemDocId(""))) {
            cache.document(model, id, ServingCache.MISSING, id.length());
        }
    }

    /**
     * The user's newest distinct items in the events index, newest first, each with the time of its newest event: the
     * {@code recent} first are the profile's recent items, all count as seen. One aggregation (items by their newest
     * event, exact across shards for this order), so no hit is fetched.
     */
    private void recentEvents(ActiveModel model, String user, int recent, ActionListener<List<SourceItem>> listener) {
        var events = model.config().events();
        int items = Math.min(10_000, recent * EVENTS_PER_RECENT_ITEM);
        SearchSourceBuilder source = new SearchSourceBuilder().query(
            QueryBuilders.boolQuery()
                .filter(QueryBuilders.termQuery(events.userField(), user))
                .filter(QueryBuilders.termsQuery(events.typeField(), events.weights().keySet()))
        )
            .size(0)
            .trackTotalHits(false)
            .aggregation(
                AggregationBuilders.terms(RECENT_AGG)
                    .field(events.itemField())
                    .size(items)
                    .shardSize(items)
                    .order(List.of(BucketOrder.aggregation(NEWEST_AGG, false), BucketOrder.key(true)))
                    .subAggregation(AggregationBuilders.max(NEWEST_AGG).field(events.timeField()).format("epoch_millis"))
            );
        SearchRequest search = new SearchRequest(events.index()).source(source).indicesOptions(IndicesOptions.lenientExpandOpen());
        client.search(search, listener.map(response -> {
            if (response.getAggregations() == null || response.getAggregations().get(RECENT_AGG) instanceof Terms == false) {
                return List.of(); // no events index (lenient): nobody has events yet
            }
            Terms terms = response.getAggregations().get(RECENT_AGG);
            List<SourceItem> recentItems = new ArrayList<>(terms.getBuckets().size());
            for (Terms.Bucket bucket : terms.getBuckets()) {
                Max newest = bucket.getAggregations().get(NEWEST_AGG);
                recentItems.add(new SourceItem(bucket.getKeyAsString(), SourceItem.Origin.RECENT, millis(newest.getValueAsString())));
            }
            return recentItems;
        }));
    }

    private static final String RECENT_AGG = "recent_items";
    private static final String NEWEST_AGG = "newest";

    // date_nanos in epoch_millis format has a fraction
    static long millis(String text) {
        int dot = text.indexOf('.');
        return Long.parseLong(dot < 0 ? text : text.substring(0, dot));
    }

    static ToXContentObject parse(BytesReference source) throws IOException {
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, source)) {
            return ModelDocuments.parseLine(parser);
        }
    }
}
