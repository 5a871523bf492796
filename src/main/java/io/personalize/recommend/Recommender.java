package io.personalize.recommend;

import io.personalize.model.ModelConfig;
import io.personalize.profile.ActiveModel;
import io.personalize.profile.Profile;
import io.personalize.profile.ProfileLoader;
import io.personalize.profile.SourceItem;
import io.personalize.serving.ContentSpace;
import io.personalize.serving.ContentVectors;
import io.personalize.serving.NewProducts;
import io.personalize.serving.NumberedItems;
import io.personalize.serving.NumberedSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionRunnable;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.action.support.SubscribableListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.common.cache.Cache;
import org.elasticsearch.common.cache.CacheBuilder;
import org.elasticsearch.core.TimeValue;

/**
 * Fills one shelf. The candidates come from the model ({@link CandidateScorer}); items the model has no neighbours
 * for get their nearest items by content; popular items fill the rest. The catalogue then keeps those that pass the
 * request's filter, in rounds of growing size until the shelf is full, and as a last resort any item passing the
 * filter, so that a shelf is never empty while the catalogue has matching items. Attribute affinities are added from
 * the values the catalogue returns, and the shelf is diversified if asked.
 */
public final class Recommender {

    /** The weight of a shopper's affinity to an item's attribute values. */
    static final float ATTRIBUTE_WEIGHT = 0.3f;
    /** Items named in a request that get content neighbours at most: the rest already have plenty of candidates. */
    static final int MAX_CONTENT_SOURCES = 5;

    /**
     * Items a knn search reads per shopper item, per neighbour kept: the search ranks by the stored vectors, the term by
     * the catalogue's content space ({@link ContentSpace}), whose cosines also divide by each item's length there, so a
     * few more are read and ranked again.
     */
    static final int CONTENT_NEIGHBOR_OVERSAMPLE = 5;
    /**
     * Items sampled for the catalogue's content space (mean and principal directions), and how long a node keeps it. A
     * catalogue of up to this many products with vectors gives its whole self, as the bench's replay that chose the
     * "for you" content rule did: on Online Retail (3,958 products with vectors), a sample of 1,000 changed the
     * strongest directions enough that the term reached 85 instead of 88 of the validation split's (shopper, new
     * product) purchases reachable in the whole catalogue's space (and 69 instead of 90 on the test split): {@code
     * bin/bench recommend-quality}, {@code NewProductReach}. Cost: one read of the vectors and a covariance of
     * samples × dims² (5,000 × 384²: about a second on one loaded core), once per 10 minutes per caller.
     */
    static final int CATALOG_SAMPLE = 5000;

    static final long CATALOG_SPACE_TTL_MILLIS = 10 * 60 * 1000L;

    static final int MAX_ROUNDS = 4;

    /**
     * The catalogue's content space per caller ({@link Caller}), catalogue index, vector field and directions removed,
     * sampled at most every 10 minutes (the space is null when no item has a vector).
     */
    private final Cache<String, CatalogSpace> catalogSpaces = CacheBuilder.<String, CatalogSpace>builder()
            .setMaximumWeight(CATALOG_SPACES)
            .setExpireAfterWrite(TimeValue.timeValueMillis(CATALOG_SPACE_TTL_MILLIS))
            .build();

    /** Content spaces a node keeps at most (one per caller, catalogue and directions asked for: tens of KB each). */
    static final int CATALOG_SPACES = 1000;

    private record CatalogSpace(ContentSpace space, long sampledAt, String key) {
        /** Names this space as computed now: neighbour lists of an older sample are not reused. */
        String id() {
            return key + "@" + sampledAt;
        }
    }

    /** Item content neighbour lists a node keeps (of shelves without a filter), at most. */
    static final int CONTENT_NEIGHBOR_CACHE_ITEMS = 20_000;

    /**
     * Each item's nearest items in a catalogue space (its id, the k asked for, the item), for shelves without a filter:
     * a shopper's items recur across shoppers (on the bench, a knn search per item made a "for you" shelf 13 times
     * slower), and a list does not depend on the shopper, only on what the caller may read ({@link Caller}: kept per
     * caller). Kept as long as the space (10 minutes), so a product indexed since is among its neighbours' lists within
     * 10 minutes.
     */
    private final Cache<ScopedItem, Map<String, Double>> contentNeighbors =
            CacheBuilder.<ScopedItem, Map<String, Double>>builder()
                    .setMaximumWeight(CONTENT_NEIGHBOR_CACHE_ITEMS)
                    .setExpireAfterWrite(TimeValue.timeValueMillis(CATALOG_SPACE_TTL_MILLIS))
                    .build();

    /** Products' "created after the version's events" answers a node keeps at most, and for as long as the lists. */
    static final int CREATED_CACHE_ITEMS = 100_000;

    /**
     * Whether a product the model does not know was created after the serving version's events (its {@code
     * catalog.created_field}), per caller, catalogue, field and cutoff: a product's creation date does not change, and
     * the few new products recur on every shelf that reaches them.
     */
    private final Cache<ScopedItem, Boolean> createdAfterCutoff = CacheBuilder.<ScopedItem, Boolean>builder()
            .setMaximumWeight(CREATED_CACHE_ITEMS)
            .setExpireAfterWrite(TimeValue.timeValueMillis(CATALOG_SPACE_TTL_MILLIS))
            .build();

    private final ProfileLoader profiles;
    private final Client client;
    private final CatalogLookup lookup;
    private final ItemVectors itemVectors = new ItemVectors();

    /** {@code lookup} reads the catalogue's shards without a search where its mapping allows. */
    public Recommender(ProfileLoader profiles, Client client, CatalogLookup lookup) {
        this.profiles = profiles;
        this.client = client;
        this.lookup = lookup;
    }

    public void recommend(ActiveModel model, ShelfQuery request, ActionListener<List<Recommendation>> listener) {
        int recent = request.userId() == null ? 0 : request.recentItems();
        // the stored list is the shopper's top items; a filter may reject most of it, exclude_seen: false brings the
        // shopper's own items back, attribute affinity and real time reorder: past the list, the neighbour lists of the
        // shopper's newest history items score further items with the model's formula (on the node, they are cached)
        boolean beyondStoredList = request.userId() != null;
        ProfileLoader.Neighbors wanted =
                beyondStoredList ? ProfileLoader.Neighbors.ALL : ProfileLoader.Neighbors.REAL_TIME;
        profiles.load(
                model,
                request.userId(),
                request.itemIds(),
                recent,
                wanted,
                listener.delegateFailureAndWrap((l, loaded) -> {
                    // the model names any item of the catalogue: which of those this shelf could name may the caller
                    // read? Items asked about that they may not read are unknown to them, so that check comes first
                    // when items are asked about; otherwise the items the reasons of a batch of candidates name ride on
                    // that batch's catalogue read (none when they name nothing), and only the reasons wait for it
                    SubscribableListener<Checked> visible = new SubscribableListener<>();
                    if (request.itemIds().isEmpty()) {
                        rank(model, loaded, request, true, visible, l);
                    } else {
                        Set<String> named = VisibleItems.named(loaded);
                        checkVisible(model.config().catalog(), named, Checked.of(named, visible));
                        visible.addListener(l.delegateFailureAndWrap((l2, v) -> rank(
                                model,
                                VisibleItems.withoutHiddenContext(loaded, v.readable()),
                                request,
                                false,
                                visible,
                                l2)));
                    }
                }));
    }

    /** {@code check}: the reasons' items are still to be checked, on the catalogue reads of the candidates. */
    private void rank(
            ActiveModel model,
            Profile profile,
            ShelfQuery request,
            boolean check,
            SubscribableListener<Checked> visible,
            ActionListener<List<Recommendation>> listener) {
        Set<String> excluded = excluded(request, profile);
        boolean beyondStoredList = request.userId() != null;
        Map<String, Candidate> candidates = new HashMap<>();
        // the items past the stored list join the candidates as the ranking reaches them (or another signal names them)
        BeyondStoredList beyond = CandidateScorer.collaborative(profile, excluded, beyondStoredList, candidates);
        CatalogReader catalog = new CatalogReader(
                client, lookup, model.config().catalog(), request.filter(), request.source(), request.diversity() > 0);
        List<String> newItems =
                request.similarContentWeight() > 0 ? CandidateScorer.withoutNeighbors(profile) : List.<String>of();
        List<String> shopperItems = shopperContentSources(profile, request);
        // a ranking of the candidates as they stand (the content terms add to them, so each use takes a new one). Under
        // the candidates' lock: the content chain adds to them on a search's thread while the first batch is ranked
        // here (unlocked, a shelf failed with a ConcurrentModificationException, 500, on the bench)
        Supplier<Ranking> ranking = () -> {
            synchronized (candidates) {
                return new Ranking(
                        candidates, beyond, profile.popular(), CandidateScorer.popularScale(profile), excluded);
            }
        };
        // the shelf's rounds, over the candidates as they stand once every content term is in
        Rounds rounds = (prefetched, stillToCheck, l) -> fill(
                profile,
                catalog,
                request,
                excluded,
                ranking.get(),
                new LinkedHashMap<>(),
                0,
                prefetched,
                stillToCheck,
                visible,
                l);
        // before any content term: the collaborative and popular items decide which slots new products may take
        // (one ranking's first batch gives both, and the first catalogue read when the content chain searches)
        List<Candidate> firstBatch = profile.model().config().catalog().vectorField() == null
                ? List.of() // no content term can come: neither is needed
                : ranking.get().next(batch(request, 0));
        float shopperContentWeight =
                shopperItems.isEmpty() ? 0f : shopperContentWeight(firstBatch, request, dated(profile));
        float shopperContentFloor =
                shopperItems.isEmpty() ? -1f : shopperContentFloor(firstBatch, request, shopperContentWeight);
        // no content term can come (no vector field, no item without neighbours asked about, no shopper content or
        // its weight capped to nothing): not even the catalogue's mean is needed
        if (profile.model().config().catalog().vectorField() == null
                || (newItems.isEmpty() && (shopperItems.isEmpty() || shopperContentWeight <= 0))) {
            rounds.run(new Prefetched(), check, listener);
            return;
        }
        Prefetched prefetched = new Prefetched();
        // the content terms' chain first (the longer one: issuing a search runs its coordinating part on this thread)
        SubscribableListener<Void> content = new SubscribableListener<>();
        // the similar items of a new product need only the catalogue's mean: no principal directions for them alone
        int directions = shopperItems.isEmpty() || shopperContentWeight <= 0 ? 0 : request.contentDirections();
        ModelConfig.Catalog config = profile.model().config().catalog();
        // the first batch's items are taken before the chain starts: its content terms may come in on another thread
        List<String> first = firstBatch.stream().map(Candidate::item).toList();
        Set<String> firstNamed = check ? reasonItems(firstBatch) : null;
        catalogSpace(config, catalog, directions, content.delegateFailureAndWrap((l, space) -> {
            try (RefCountingListener contentRefs = new RefCountingListener(l)) {
                addContentNeighbors(
                        profile.model(),
                        newItems,
                        space.space() == null ? null : space.space().mean(),
                        catalog,
                        request,
                        excluded,
                        beyond,
                        candidates,
                        prefetched,
                        contentRefs.acquire());
                addShopperContent(
                        profile.model(),
                        shopperItems,
                        space,
                        catalog,
                        request,
                        shopperContentWeight,
                        shopperContentFloor,
                        excluded,
                        beyond,
                        candidates,
                        contentRefs.acquire());
            }
        }));
        if (content.isDone()) {
            // the node held all the chain needs (the catalogue's space, the shopper's items' neighbour lists, which of
            // their items the model knows): the content candidates are in already, and the shelf's first catalogue read
            // is its only search
            content.addListener(listener.delegateFailureAndWrap((l, ignored) -> rounds.run(prefetched, check, l)));
            return;
        }
        // the chain searches: the shelf's first catalogue read of the collaborative and popular candidates runs beside
        // it, not after it. The content candidates come out of the knn search with their catalogue hits (it applies
        // the same filter), so when they join the ranking the first round mostly reads nothing more. The first batch
        // is taken before any content term exists, from a ranking of its own.
        boolean stillToCheck = check && first.isEmpty();
        try (RefCountingListener refs = new RefCountingListener(
                listener.delegateFailureAndWrap((l, ignored) -> rounds.run(prefetched, stillToCheck, l)))) {
            content.addListener(refs.acquire());
            if (first.isEmpty() == false) {
                ActionListener<Map<String, CatalogItem>> read = refs.acquire(found -> prefetched.add(first, found));
                fetchChecking(catalog, first, firstNamed, visible, read);
            }
        }
    }

    /**
     * The items a shelf never shows: those the request excludes or asks about and, with {@code exclude_seen}, the
     * shopper's seen items. Only read from here on (the content chain, the ranking and the rounds copy it to add to
     * it): the profile's own set when nothing else is excluded, instead of a copy of the shopper's whole history per
     * request (the copy and its rehashing were about 2% of a warm shelf's CPU on the bench).
     */
    static Set<String> excluded(ShelfQuery request, Profile profile) {
        boolean seen = request.excludeSeen();
        if (request.exclude().isEmpty() && request.itemIds().isEmpty()) {
            // the profile's seen items, with the slots memoized with their documents (NumberedSet)
            return seen ? NumberedSet.readOnly(profile.seen()) : Set.of();
        }
        int size = request.exclude().size()
                + request.itemIds().size()
                + (seen ? profile.seen().size() : 0);
        Set<String> excluded = HashSet.newHashSet(size);
        excluded.addAll(request.exclude());
        excluded.addAll(request.itemIds());
        if (seen == false) {
            return excluded;
        }
        excluded.addAll(profile.seen());
        return NumberedSet.with(
                excluded,
                profile.seen(),
                List.of(NumberedItems.of(request.exclude()), NumberedItems.of(request.itemIds())));
    }

    /** The shelf's catalogue rounds, given what the catalogue already answered and whether reasons are still to check. */
    @FunctionalInterface
    private interface Rounds {
        void run(Prefetched prefetched, boolean check, ActionListener<List<Recommendation>> listener);
    }

    /**
     * What the catalogue said of items before the shelf's rounds: those found passing the filter (the first batch's
     * read, the knn hits) and every item asked about (absent from the first: did not pass).
     */
    static final class Prefetched {
        private final Map<String, CatalogItem> found = new ConcurrentHashMap<>();
        private final Set<String> asked = ConcurrentHashMap.newKeySet();

        void add(Collection<String> items, Map<String, CatalogItem> passing) {
            found.putAll(passing);
            asked.addAll(items);
        }

        void add(Map<String, CatalogItem> passing) {
            found.putAll(passing);
            asked.addAll(passing.keySet());
        }

        CatalogItem found(String item) {
            return found.get(item);
        }

        boolean asked(String item) {
            return asked.contains(item);
        }
    }

    /**
     * The catalogue's content space with {@code directions} principal directions removed, from this node's cache or
     * computed now from a sample of the catalogue (null: no item has a vector). The eigen decomposition (tens of
     * milliseconds for 384 dimensions) runs on the generic pool, not on the thread the search answered on.
     */
    private void catalogSpace(
            ModelConfig.Catalog config, CatalogReader catalog, int directions, ActionListener<CatalogSpace> listener) {
        // per caller: the sample is read as the caller, and under document-level security the catalogue it sees is its
        // own (a space from items it may not read would shape its shelves)
        String key = Caller.key(client.threadPool().getThreadContext()) + "/" + config.index() + "/"
                + config.vectorField() + "/" + directions;
        long now = client.threadPool().relativeTimeInMillis();
        CatalogSpace cached = catalogSpaces.get(key);
        if (cached != null && now - cached.sampledAt() < CATALOG_SPACE_TTL_MILLIS) {
            listener.onResponse(cached);
            return;
        }
        catalog.sample(CATALOG_SAMPLE, listener.delegateFailureAndWrap((l, sample) -> client.threadPool()
                .generic()
                .execute(ActionRunnable.supply(l, () -> {
                    CatalogSpace space = new CatalogSpace(ContentSpace.of(sample, directions), now, key);
                    catalogSpaces.put(key, space);
                    return space;
                }))));
    }

    /** The shopper's newest items (recent events, then stored history) when the shelf has a content term. */
    static List<String> shopperContentSources(Profile profile, ShelfQuery request) {
        if (request.userId() == null || request.contentWeight(dated(profile)) <= 0) {
            return List.of();
        }
        return profile.sources().stream()
                .filter(s -> s.origin() != SourceItem.Origin.CONTEXT)
                .map(SourceItem::item)
                .limit(request.contentSources())
                .toList();
    }

    /**
     * The weight of a "for you" shelf's content term: {@code content_weight}, but at most just below the score of the
     * shelf's ({@code size - content_slots})-th candidate in the order the shelf is filled (collaborative candidates,
     * then popular items), so that new products can take only the shelf's last {@code content_slots} slots (before
     * filters). Placed higher, they pushed better items down: on the validation split, weight 1 without this cap
     * brought 41 hits in 442 slots but lost 8% NDCG@10. The cap multiplies every new product's share
     * ({@code cosine / best cosine}), so it keeps their order. When the shelf has fewer items than that to rank (the
     * catalogue fill takes over), {@code content_weight}.
     */
    static float shopperContentWeight(Ranking collaborativeAndPopular, ShelfQuery request, boolean datedCatalog) {
        return shopperContentWeight(collaborativeAndPopular.next(batch(request, 0)), request, datedCatalog);
    }

    /**
     * {@link #shopperContentWeight(Ranking, ShelfQuery, boolean)} from the ranking's first batch ({@link #batch}), best
     * first.
     */
    static float shopperContentWeight(List<Candidate> first, ShelfQuery request, boolean datedCatalog) {
        float weight = request.contentWeight(datedCatalog);
        int above = request.size() - request.contentSlots();
        if (above <= 0 || first.size() < above) {
            return weight;
        }
        return Math.min(weight, Math.nextDown(first.get(above - 1).score()));
    }

    /** Whether the model's catalogue dates its products ({@code catalog.created_field}): the content term's default. */
    private static boolean dated(Profile profile) {
        return profile.model().config().catalog().createdField() != null;
    }

    /**
     * The score just below which a "for you" shelf's new products go: that of the candidate right below the shelf's
     * ({@code size - content_slots}) best, in the order the shelf is filled; -1 when there is no such candidate or its
     * score is not below {@code weight} (the term then scales as it did: {@code weight · sum / best sum}). New products
     * scored between it and {@code weight} come right below the shelf's best, a place of their own rather than a
     * contest with the last items' scores, which new products won only where the last items scored low. Measured on the
     * validation split ({@code bin/bench recommend-quality}, hashing vectors, weight 1, 2 slots, support 2): 224 slots,
     * 20 hits, NDCG@10 .10128 against .10333 without: the products the model does not know include those the training
     * left out, not only new ones. At the default weight (0.5) it applies only where the item below the shelf's best
     * scores under 0.5 (mostly popular items filling a short list).
     */
    static float shopperContentFloor(Ranking collaborativeAndPopular, ShelfQuery request, float weight) {
        return shopperContentFloor(collaborativeAndPopular.next(batch(request, 0)), request, weight);
    }

    /** {@link #shopperContentFloor(Ranking, ShelfQuery, float)} from the ranking's first batch, best first. */
    static float shopperContentFloor(List<Candidate> first, ShelfQuery request, float weight) {
        int above = request.size() - request.contentSlots();
        if (above <= 0) {
            return -1f;
        }
        if (first.size() <= above) {
            return -1f;
        }
        float floor = first.get(above).score();
        return floor < weight ? floor : -1f;
    }

    /**
     * The content term of a "for you" shelf, item to item: each of the shopper's newest items lends its {@code
     * content_neighbors} nearest items their cosine in the catalogue's content space ({@link ContentSpace}: centred, the
     * strongest {@code content_directions} removed), summed per item ({@link #neighborSums}); of those, the ones the
     * model does not know (no item document in the active version, {@link ProfileLoader#itemsKnownToTheModel}) and,
     * when the catalogue has a {@code created_field}, that were created after the version's events (new products,
     * {@link #createdAfterTheEvents}) get {@code weight · sum / best sum}, the weight from {@link #shopperContentWeight}. Items the model
     * knows are left to the collaborative signals: adding content to them lowered NDCG@10 on the validation split
     * without bringing new products (see {@code bin/bench recommend-quality}). Why item to item, not the shopper's mean
     * vector: a sentence model's neighbours of one title are good, the mean of many titles is a blur (content-only
     * NDCG@10 on OR-time .0680 against .0512, {@code bin/bench content}). One knn search per shopper item, in parallel;
     * each item's neighbours are its own (only the item itself is left out), as in the bench that chose the rule.
     */
    private void addShopperContent(
            ActiveModel model,
            List<String> sources,
            CatalogSpace catalogSpace,
            CatalogReader catalog,
            ShelfQuery request,
            float weight,
            float floor,
            Set<String> excluded,
            BeyondStoredList beyond,
            Map<String, Candidate> candidates,
            ActionListener<Void> listener) {
        ContentSpace space = catalogSpace.space();
        if (sources.isEmpty() || weight <= 0 || space == null) {
            listener.onResponse(null);
            return;
        }
        int k = request.contentNeighbors();
        String caller = Caller.key(client.threadPool().getThreadContext());
        // a filter changes an item's neighbours, and so may the caller's document-level security: lists are kept per
        // caller, and only those read without a filter
        String cachePrefix = request.filter() == null ? caller + "/" + catalogSpace.id() + "/" + k + "/" : null;
        // the node's lists first: an item whose list is kept needs neither its vector nor a knn search
        List<Map<String, Double>> lists = new ArrayList<>(Collections.nCopies(sources.size(), Map.of()));
        List<String> unlisted = new ArrayList<>();
        for (int i = 0; i < sources.size(); i++) {
            Map<String, Double> known =
                    cachePrefix == null ? null : contentNeighbors.get(new ScopedItem(cachePrefix, sources.get(i)));
            if (known != null) {
                lists.set(i, known);
            } else {
                unlisted.add(sources.get(i));
            }
        }
        ActionListener<Void> summed = listener.delegateFailureAndWrap((l, ignored) -> {
            Map<String, Double> sums = neighborSums(lists);
            if (sums.isEmpty()) {
                l.onResponse(null);
                return;
            }
            Set<String> unsupported = unsupported(lists, request.contentSupport());
            // only the items the term could add need asking about (the others it skips or excludes anyway; the best
            // sum is over every item not excluded, known or not): a few of the lists' items, each a look-up
            List<String> couldAdd = new ArrayList<>();
            for (String item : sums.keySet()) {
                if (unsupported.contains(item) == false && excluded.contains(item) == false) {
                    couldAdd.add(item);
                }
            }
            profiles.itemsKnownToTheModel(model, couldAdd, l.delegateFailureAndWrap((l2, known) -> {
                Set<String> unknown = NewProducts.unknownAndSupported(couldAdd, known, unsupported, excluded);
                createdAfterTheEvents(model, catalog, caller, unknown, l2.map(fresh -> {
                    addScaledTerm(
                            sums,
                            null,
                            weight,
                            floor,
                            NewProducts.skipped(sums.keySet(), fresh),
                            excluded,
                            beyond,
                            candidates);
                    return null;
                }));
            }));
        });
        if (unlisted.isEmpty()) {
            summed.onResponse(null);
            return;
        }
        itemVectors.of(
                model.config().catalog(), catalog, unlisted, caller, summed.delegateFailureAndWrap((l, vectors) -> {
                    try (RefCountingListener refs = new RefCountingListener(l)) {
                        for (int i = 0; i < sources.size(); i++) {
                            float[] vector = vectors.get(sources.get(i));
                            float[] query = vector == null ? null : space.prepare(vector);
                            if (query == null) {
                                continue;
                            }
                            int slot = i;
                            ScopedItem cacheKey =
                                    cachePrefix == null ? null : new ScopedItem(cachePrefix, sources.get(i));
                            catalog.nearestWithVectors(
                                    query,
                                    k * CONTENT_NEIGHBOR_OVERSAMPLE,
                                    Set.of(sources.get(i)),
                                    refs.acquire(hits -> {
                                        Map<String, Double> nearest = space.nearest(query, hits, k);
                                        if (cacheKey != null) {
                                            contentNeighbors.put(cacheKey, nearest);
                                        }
                                        synchronized (lists) {
                                            lists.set(slot, nearest);
                                        }
                                    }));
                        }
                    }
                }));
    }

    /**
     * Those of {@code unknown} that are new products: all of them when the catalogue has no {@code created_field};
     * otherwise those created after the events of the version that serves ({@link NewProducts#eventsCutoff}), from
     * the node's copy ({@link #createdAfterCutoff}) or one search of the rest. Old products the model does not know
     * (no known shopper bought them) took a "for you" shelf's content slots from new ones: on the test split, 15
     * slots, 0 hits (see {@code bin/bench recommend-quality}).
     */
    private void createdAfterTheEvents(
            ActiveModel model,
            CatalogReader catalog,
            String caller,
            Set<String> unknown,
            ActionListener<Set<String>> listener) {
        ModelConfig.Catalog config = model.config().catalog();
        if (config.createdField() == null || unknown.isEmpty()) {
            listener.onResponse(unknown);
            return;
        }
        long cutoff = NewProducts.eventsCutoff(
                model.version().newestEvent(), model.version().builtFrom());
        // per caller (document-level security may hide an item's date), catalogue, field and cutoff
        String prefix = caller + "/" + config.index() + "/" + config.createdField() + "/" + cutoff + "/";
        Set<String> fresh = new HashSet<>();
        List<String> unread = new ArrayList<>();
        for (String item : unknown) {
            Boolean created = createdAfterCutoff.get(new ScopedItem(prefix, item));
            if (created == null) {
                unread.add(item);
            } else if (created) {
                fresh.add(item);
            }
        }
        if (unread.isEmpty()) {
            listener.onResponse(fresh);
            return;
        }
        catalog.createdAfter(unread, cutoff, listener.map(found -> {
            for (String item : unread) {
                boolean created = found.contains(item);
                createdAfterCutoff.put(new ScopedItem(prefix, item), created);
                if (created) {
                    fresh.add(item);
                }
            }
            return fresh;
        }));
    }

    /**
     * The sum of each item's cosines over the neighbour lists it is on (in the lists' order, so that every node adds
     * alike).
     */
    static Map<String, Double> neighborSums(List<Map<String, Double>> lists) {
        Map<String, Double> sums = new LinkedHashMap<>();
        synchronized (lists) {
            for (Map<String, Double> list : lists) {
                list.forEach((item, cosine) -> sums.merge(item, cosine, Double::sum));
            }
        }
        return sums;
    }

    /** The items on fewer than {@code support} of the lists. */
    static Set<String> unsupported(List<Map<String, Double>> lists, int support) {
        Map<String, Integer> counts = new HashMap<>();
        synchronized (lists) {
            for (Map<String, Double> list : lists) {
                list.keySet().forEach(item -> counts.merge(item, 1, Integer::sum));
            }
        }
        Set<String> out = new HashSet<>();
        counts.forEach((item, count) -> {
            if (count < support) {
                out.add(item);
            }
        });
        return out;
    }

    /**
     * Adds {@code weight · cosine / best cosine} of each knn hit with a positive cosine, except those in {@code skipped},
     * as a content reason naming {@code source} (the new item asked about; null for the shopper's content, which no one
     * item makes). The best cosine is over every hit not excluded, skipped ones included: a hit gets the full weight
     * only when it is as close as anything in the catalogue. An item past the stored list ({@code beyond};
     * {@link BeyondStoredList#NONE}: none) gets that reason first.
     */
    static void addContentTerm(
            Map<String, Float> nearest,
            String source,
            float weight,
            Set<String> skipped,
            Set<String> excluded,
            BeyondStoredList beyond,
            Map<String, Candidate> candidates) {
        Map<String, Double> cosines = new LinkedHashMap<>();
        nearest.forEach((item, score) -> cosines.put(item, (double) ContentVectors.cosineOfKnnScore(score)));
        addScaledTerm(cosines, source, weight, -1f, skipped, excluded, beyond, candidates);
    }

    /**
     * Adds {@code weight · score / best score} to each item with a positive score, except those in {@code skipped}, as
     * a content reason naming {@code source} (null: no one item made it); the best is over every item not excluded,
     * skipped ones included. With a {@code floor} (at least 0, below {@code weight}) the term is {@code floor + (weight -
     * floor) · (1 + score / best) / 2} instead: above the floor, in the same order. An item past the stored list
     * ({@code beyond}; {@link BeyondStoredList#NONE}: none) gets that reason first.
     */
    static void addScaledTerm(
            Map<String, Double> scores,
            String source,
            float weight,
            float floor,
            Set<String> skipped,
            Set<String> excluded,
            BeyondStoredList beyond,
            Map<String, Candidate> candidates) {
        double best = 0;
        for (Map.Entry<String, Double> n : scores.entrySet()) {
            if (excluded.contains(n.getKey()) == false) {
                best = Math.max(best, n.getValue());
            }
        }
        if (best <= 0) {
            return;
        }
        synchronized (candidates) { // the similar-items neighbours may come in on another thread
            for (Map.Entry<String, Double> n : scores.entrySet()) {
                double score = n.getValue();
                if (score > 0 && excluded.contains(n.getKey()) == false && skipped.contains(n.getKey()) == false) {
                    candidates
                            .computeIfAbsent(n.getKey(), beyond::candidate)
                            .add(Reason.item(
                                    Reason.Type.CONTENT_SIMILAR,
                                    source,
                                    floor < 0
                                            ? (float) (weight * score / best)
                                            : (float) (floor + (weight - floor) * (1 + score / best) / 2)));
                }
            }
        }
    }

    /** Items named in the request without neighbours in the model (new products): their nearest items by content. */
    private void addContentNeighbors(
            ActiveModel model,
            List<String> sources,
            float[] catalogMean,
            CatalogReader catalog,
            ShelfQuery request,
            Set<String> excluded,
            BeyondStoredList beyond,
            Map<String, Candidate> candidates,
            Prefetched prefetched,
            ActionListener<Void> listener) {
        if (sources.isEmpty()) {
            listener.onResponse(null);
            return;
        }
        List<String> limited = sources.subList(0, Math.min(MAX_CONTENT_SOURCES, sources.size()));
        itemVectors.of(
                model.config().catalog(),
                catalog,
                limited,
                Caller.key(client.threadPool().getThreadContext()),
                listener.delegateFailureAndWrap((l, vectors) -> {
                    try (RefCountingListener refs = new RefCountingListener(l)) {
                        for (Map.Entry<String, float[]> source : vectors.entrySet()) {
                            float[] query = ContentVectors.centredDirection(List.of(source.getValue()), catalogMean);
                            if (query == null) {
                                continue;
                            }
                            catalog.nearest(query, request.size() * 2, excluded, refs.acquire(nearest -> {
                                prefetched.add(nearest.items());
                                addContentTerm(
                                        nearest.scores(),
                                        source.getKey(),
                                        request.similarContentWeight(),
                                        Set.of(),
                                        excluded,
                                        beyond,
                                        candidates);
                            }));
                        }
                    }
                }));
    }

    /**
     * Takes the next batch of ranked candidates through the catalogue (filter, privileges) until the shelf has
     * {@code size} items or the candidates run out; then, if need be, any item passing the filter.
     */
    private void fill(
            Profile profile,
            CatalogReader catalog,
            ShelfQuery request,
            Set<String> excluded,
            Ranking ranking,
            Map<String, CatalogItem> passed,
            int round,
            Prefetched prefetched,
            boolean check,
            SubscribableListener<Checked> visible,
            ActionListener<List<Recommendation>> listener) {
        int batch = batch(request, round);
        List<Candidate> ranked = ranking.taken();
        if (passed.size() >= needed(request) || ranking.exhausted() || round >= MAX_ROUNDS) {
            if (check) {
                // no catalogue read of candidates to ride on
                Set<String> named = reasonItems(ranked);
                checkVisible(profile.model().config().catalog(), named, Checked.of(named, visible));
            }
            if (passed.size() >= request.size()) {
                visible.addListener(
                        listener.delegateFailureAndWrap((l, v) -> answer(profile, request, ranked, passed, v, l)));
                return;
            }
            // the model's candidates ran out before the shelf was full: any item passing the filter
            Set<String> taken = new HashSet<>(excluded);
            taken.addAll(passed.keySet());
            catalog.fetchAny(taken, request.size() - passed.size(), listener.delegateFailureAndWrap((l, any) -> {
                // a candidate the batches did not find may be found now (refreshed in between): listed once, as ranked
                Set<String> rankedItems = new HashSet<>();
                ranked.forEach(c -> rankedItems.add(c.item()));
                for (String item : any.keySet()) {
                    if (rankedItems.contains(item)) {
                        continue;
                    }
                    Candidate candidate = new Candidate(item);
                    candidate.add(Reason.of(Reason.Type.CATALOG, 0f));
                    ranked.add(candidate);
                }
                passed.putAll(any);
                visible.addListener(
                        l.delegateFailureAndWrap((l2, v) -> answer(profile, request, ranked, passed, v, l2)));
            }));
            return;
        }
        List<String> items = new ArrayList<>();
        List<Candidate> next = ranking.next(batch);
        for (Candidate candidate : next) {
            CatalogItem known = prefetched.found(candidate.item());
            if (known != null) {
                passed.put(candidate.item(), known);
            } else if (prefetched.asked(candidate.item()) == false) {
                items.add(candidate.item());
            }
        }
        if (items.isEmpty()) {
            // the catalogue already answered for the whole batch
            fill(profile, catalog, request, excluded, ranking, passed, round + 1, prefetched, check, visible, listener);
            return;
        }
        ActionListener<Map<String, CatalogItem>> read = listener.delegateFailureAndWrap((l, found) -> {
            passed.putAll(found);
            fill(profile, catalog, request, excluded, ranking, passed, round + 1, prefetched, false, visible, l);
        });
        fetchChecking(catalog, items, check ? reasonItems(next) : null, visible, read);
    }

    /**
     * Reads {@code items} from the catalogue and, when {@code named} is not null, on the same read which of those the
     * caller may read (the items the reasons of the batch being read name: {@link #reasonItems}).
     */
    private static void fetchChecking(
            CatalogReader catalog,
            List<String> items,
            Set<String> named,
            SubscribableListener<Checked> visible,
            ActionListener<Map<String, CatalogItem>> read) {
        if (named == null) {
            catalog.fetch(items, read);
        } else {
            catalog.fetch(items, named, Checked.of(named, visible), read);
        }
    }

    /**
     * The items the reasons of {@code candidates} name: what a shelf of them could show the caller besides its own
     * items: a batch's few (about 20 for a shelf of 10 on the bench) rather than every item the profile could name (the
     * shopper's sources and the stored list's reasons, about 41), so a shelf's first read looks up about 60 ids, not 81.
     */
    static Set<String> reasonItems(Collection<Candidate> candidates) {
        Set<String> named = new HashSet<>();
        for (Candidate candidate : candidates) {
            candidate.reasonItems(named);
        }
        return named;
    }

    /**
     * What a check of the caller's privileges asked about and found readable. A shelf's reasons may name only items of
     * {@code readable} or of the shelf; one naming an item not {@code asked} about is checked before the shelf is
     * answered ({@link #answer}).
     */
    record Checked(Set<String> asked, Set<String> readable) {
        /** The listener of a check of {@code asked}, completing {@code visible} with both. */
        static ActionListener<Set<String>> of(Set<String> asked, ActionListener<Checked> visible) {
            return visible.map(readable -> new Checked(asked, readable));
        }
    }

    /**
     * Which of {@code items} the caller may read: by the shard read of the catalogue where its mapping allows
     * ({@link CatalogLookup}), else by a search ({@link VisibleItems}).
     */
    private void checkVisible(ModelConfig.Catalog catalog, Set<String> items, ActionListener<Set<String>> listener) {
        if (items.isEmpty()) {
            listener.onResponse(Set.of());
            return;
        }
        lookup.read(catalog, items, CatalogReader.MAX_ATTRIBUTE_VALUES, listener.delegateFailureAndWrap((l, found) -> {
            if (found == null) {
                new VisibleItems(client, catalog).check(items, l);
            } else {
                Set<String> visible = new HashSet<>(found.keySet());
                visible.retainAll(items);
                l.onResponse(visible);
            }
        }));
    }

    /** The first batch is a few times the shelf, each next one twice the previous: a selective filter costs a few rounds. */
    private static int batch(ShelfQuery request, int round) {
        return (request.size() * 3 + 10) << round;
    }

    // diversity needs more than the shelf to choose from
    private static int needed(ShelfQuery request) {
        return request.diversity() > 0 ? request.size() * 3 : request.size();
    }

    /**
     * The shelf of the ranked candidates the catalogue passed, with reasons the caller may read: the items the shown
     * reasons name that no check asked about (a candidate of a batch whose reasons were not checked, its reason
     * changed by a later signal) are checked first.
     */
    private void answer(
            Profile profile,
            ShelfQuery request,
            List<Candidate> ranked,
            Map<String, CatalogItem> passed,
            Checked checked,
            ActionListener<List<Recommendation>> listener) {
        List<Candidate> shelf = shelf(profile, request, ranked, passed);
        Set<String> unchecked = unchecked(shelf, request, passed.keySet(), checked.asked());
        if (unchecked.isEmpty()) {
            listener.onResponse(recommendations(shelf, request, passed, checked.readable()));
            return;
        }
        checkVisible(profile.model().config().catalog(), unchecked, listener.map(more -> {
            Set<String> readable = new HashSet<>(checked.readable());
            readable.addAll(more);
            return recommendations(shelf, request, passed, readable);
        }));
    }

    /** The items the shown reasons of {@code shelf} name that are neither items the catalogue passed nor {@code asked}. */
    static Set<String> unchecked(List<Candidate> shelf, ShelfQuery request, Set<String> passed, Set<String> asked) {
        Set<String> unchecked = new HashSet<>();
        for (Candidate candidate : shelf) {
            for (Reason reason : shown(candidate, request)) {
                String item = reason.itemId();
                if (item != null && passed.contains(item) == false && asked.contains(item) == false) {
                    unchecked.add(item);
                }
            }
        }
        return unchecked;
    }

    private static List<Reason> shown(Candidate candidate, ShelfQuery request) {
        List<Reason> reasons = candidate.reasons();
        return request.explain() ? reasons : reasons.subList(0, 1);
    }

    private static List<Candidate> shelf(
            Profile profile, ShelfQuery request, List<Candidate> ranked, Map<String, CatalogItem> passed) {
        Map<String, Map<String, Float>> attributeWeights =
                profile.user() == null ? Map.of() : profile.user().attributes();
        List<Candidate> kept = new ArrayList<>();
        for (Candidate candidate : ranked) {
            CatalogItem item = passed.get(candidate.item());
            if (item != null) {
                addAttributeAffinity(candidate, item, attributeWeights);
                kept.add(candidate);
            }
        }
        kept.sort(Candidate.BEST_FIRST);
        return diversify(kept, passed, profile, request);
    }

    private static List<Recommendation> recommendations(
            List<Candidate> shelf, ShelfQuery request, Map<String, CatalogItem> passed, Set<String> visible) {
        List<Recommendation> recommendations = new ArrayList<>(shelf.size());
        for (Candidate candidate : shelf) {
            recommendations.add(new Recommendation(
                    candidate.item(),
                    candidate.score(),
                    shown(candidate, request).stream()
                            .map(r -> readable(r, visible, passed))
                            .toList(),
                    passed.get(candidate.item()).source()));
        }
        return recommendations;
    }

    /**
     * The reason as the caller may see it: one naming an item they cannot read keeps its type and weight (it did shape
     * the score) but not the item. Items on the shelf came from the catalogue as the caller, so they are readable.
     */
    private static Reason readable(Reason reason, Set<String> visible, Map<String, CatalogItem> passed) {
        String item = reason.itemId();
        if (item == null || visible.contains(item) || passed.containsKey(item)) {
            return reason;
        }
        return new Reason(reason.type(), null, reason.attribute(), reason.value(), reason.weight());
    }

    private static void addAttributeAffinity(
            Candidate candidate, CatalogItem item, Map<String, Map<String, Float>> weights) {
        if (weights.isEmpty()) {
            return;
        }
        for (Map.Entry<String, List<String>> attribute : item.attributes().entrySet()) {
            Map<String, Float> values = weights.get(attribute.getKey());
            if (values == null) {
                continue;
            }
            String bestValue = null;
            float best = 0;
            for (String value : attribute.getValue()) {
                Float weight = values.get(value);
                if (weight != null && weight > best) {
                    best = weight;
                    bestValue = value;
                }
            }
            if (bestValue != null) {
                candidate.add(new Reason(
                        Reason.Type.AFFINITY,
                        null,
                        attribute.getKey(),
                        bestValue,
                        ATTRIBUTE_WEIGHT * best / weights.size()));
            }
        }
    }

    private static List<Candidate> diversify(
            List<Candidate> kept, Map<String, CatalogItem> passed, Profile profile, ShelfQuery request) {
        if (request.diversity() <= 0) {
            return kept.subList(0, Math.min(request.size(), kept.size()));
        }
        if (profile.model().config().catalog().vectorField() != null) {
            List<float[]> vectors =
                    kept.stream().map(c -> passed.get(c.item()).vector()).toList();
            return Diversifier.maximalMarginalRelevance(
                    kept, vectors, Candidate::score, request.size(), request.diversity());
        }
        List<String> attributes = profile.model().config().catalog().attributes();
        if (attributes.isEmpty()) {
            return kept.subList(0, Math.min(request.size(), kept.size()));
        }
        Map<String, String> firstValue = new HashMap<>();
        for (Candidate c : kept) {
            List<String> values = passed.get(c.item()).attributes().get(attributes.get(0));
            firstValue.put(c.item(), values == null || values.isEmpty() ? null : values.get(0));
        }
        return Diversifier.capPerValue(kept, c -> firstValue.get(c.item()), request.size(), request.diversity());
    }
}
