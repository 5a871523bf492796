package io.personalize.action;

import io.personalize.model.ModelConfig;
import io.personalize.recommend.CatalogLookup;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionListenerResponseHandler;
import org.elasticsearch.action.NoShardAvailableActionException;
import org.elasticsearch.action.support.IndicesOptions;
import org.elasticsearch.action.support.RefCountingListener;
import org.elasticsearch.client.internal.Client;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.routing.IndexRoutingTable;
import org.elasticsearch.cluster.routing.IndexShardRoutingTable;
import org.elasticsearch.cluster.routing.ShardRouting;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.util.concurrent.EsExecutors;
import org.elasticsearch.index.Index;
import org.elasticsearch.transport.TransportService;

/**
 * The catalogue read of a shelf without a search ({@link CatalogLookup}): one {@link CatalogItemsAction} per shard of
 * the catalogue, to this node's copy when it holds one (no hop), else to another active copy, the next copy tried when
 * one fails (as a GET does). Each answers as the caller; the answers are merged.
 */
public final class CatalogItemsReads implements CatalogLookup {

    private final Client client;
    private final ClusterService clusterService;
    private final TransportService transportService;
    private final IndexNameExpressionResolver resolver;

    public CatalogItemsReads(
            Client client,
            ClusterService clusterService,
            TransportService transportService,
            IndexNameExpressionResolver resolver) {
        this.client = client;
        this.clusterService = clusterService;
        this.transportService = transportService;
        this.resolver = resolver;
    }

    @Override
    public void read(
            ModelConfig.Catalog catalog,
            Collection<String> ids,
            int maxValues,
            ActionListener<Map<String, Map<String, List<String>>>> listener) {
        if (catalog.idField().equals("_id")) {
            listener.onResponse(null); // _id is not a keyword's terms: a search reads it
            return;
        }
        List<List<ShardRouting>> shards = copies(catalog.index());
        if (shards == null) {
            listener.onResponse(null);
            return;
        }
        List<String> idList = List.copyOf(ids);
        List<CatalogItemsAction.Response> answers = new ArrayList<>(shards.size());
        try (RefCountingListener refs = new RefCountingListener(listener.map(ignored -> merge(answers, maxValues)))) {
            for (List<ShardRouting> copies : shards) {
                CatalogItemsAction.Request request = new CatalogItemsAction.Request(
                        catalog.index(),
                        copies.get(0).shardId(),
                        catalog.idField(),
                        catalog.attributes(),
                        idList,
                        maxValues);
                ActionListener<CatalogItemsAction.Response> answered = refs.acquire(answer -> {
                    synchronized (answers) {
                        answers.add(answer);
                    }
                });
                send(request, copies.iterator(), answered);
            }
        }
    }

    /**
     * Each shard's active copies, this node's first; null when the catalogue does not resolve to one index here or a
     * shard has no active copy (the search it falls back to then fails, as it does not allow partial results).
     */
    private List<List<ShardRouting>> copies(String catalogue) {
        ClusterState state = clusterService.state();
        Index[] indices;
        try {
            indices = resolver.concreteIndices(state, IndicesOptions.strictExpandOpenAndForbidClosed(), catalogue);
        } catch (RuntimeException e) {
            return null;
        }
        if (indices.length != 1) {
            return null; // an alias of several indices: the request names one index (as _recommend's does)
        }
        String local = clusterService.localNode().getId();
        List<List<ShardRouting>> shards = new ArrayList<>();
        for (Index index : indices) {
            IndexRoutingTable table = state.routingTable().index(index);
            if (table == null) {
                return null;
            }
            for (int i = 0; i < table.size(); i++) {
                IndexShardRoutingTable shard = table.shard(i);
                List<ShardRouting> active = new ArrayList<>(shard.activeShards());
                if (active.isEmpty()) {
                    return null;
                }
                active.sort(
                        (a, b) -> Boolean.compare(local.equals(b.currentNodeId()), local.equals(a.currentNodeId())));
                shards.add(active);
            }
        }
        return shards;
    }

    private void send(
            CatalogItemsAction.Request request,
            Iterator<ShardRouting> copies,
            ActionListener<CatalogItemsAction.Response> listener) {
        ShardRouting copy = copies.next();
        ActionListener<CatalogItemsAction.Response> orNext =
                copies.hasNext() ? listener.delegateResponse((l, e) -> send(request, copies, l)) : listener;
        if (copy.currentNodeId().equals(clusterService.localNode().getId())) {
            // through the node's client: the action's filters (security's authorization) run on this thread
            client.execute(CatalogItemsAction.TYPE, request, orNext);
            return;
        }
        var node = clusterService.state().nodes().get(copy.currentNodeId());
        if (node == null) {
            // a 503 when it was the last copy, as a search without a copy to answer
            orNext.onFailure(
                    new NoShardAvailableActionException(request.shard(), "node [" + copy.currentNodeId() + "] left"));
            return;
        }
        transportService.sendRequest(
                node,
                CatalogItemsAction.NAME,
                request,
                new ActionListenerResponseHandler<>(
                        orNext, CatalogItemsAction.Response::new, EsExecutors.DIRECT_EXECUTOR_SERVICE));
    }

    /** The shards' answers as one: null if any could not read its copy so; an item found on several, values merged. */
    static Map<String, Map<String, List<String>>> merge(List<CatalogItemsAction.Response> answers, int maxValues) {
        Map<String, Map<String, List<String>>> items = new HashMap<>();
        for (CatalogItemsAction.Response answer : answers) {
            if (answer.readable() == false) {
                return null;
            }
            answer.items().forEach((item, values) -> items.merge(item, values, (a, b) -> mergeValues(a, b, maxValues)));
        }
        return items;
    }

    private static Map<String, List<String>> mergeValues(
            Map<String, List<String>> a, Map<String, List<String>> b, int maxValues) {
        Map<String, List<String>> merged = new HashMap<>(a);
        b.forEach((attribute, values) -> merged.merge(attribute, values, (x, y) -> {
            TreeSet<String> union = new TreeSet<>(x);
            union.addAll(y);
            return union.stream().limit(maxValues).toList();
        }));
        return merged;
    }
}
