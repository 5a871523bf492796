package io.personalize.action;

import io.personalize.model.ImportSessionRecords;
import io.personalize.model.ImportSessions;
import io.personalize.stats.ServingStats;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionListenerResponseHandler;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.node.NodeClosedException;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.tasks.TaskManager;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.ConnectTransportException;
import org.elasticsearch.transport.TransportService;

/**
 * Runs an import session's request on the node that holds the session (as its record in the cluster state says),
 * forwarding it there when it arrived elsewhere: a client may send its parts to any node. When that node is gone (dead,
 * or restarted), the node the request arrived at takes the session over.
 */
public final class TransportImportSessionAction
        extends HandledTransportAction<ImportSessionAction.Request, ImportSessionAction.Response> {

    private final ImportSessions sessions;
    private final ClusterService clusterService;
    private final TransportService transportService;
    private final ServingStats stats;

    @Inject
    public TransportImportSessionAction(
            TransportService transportService,
            ActionFilters actionFilters,
            ClusterService clusterService,
            ImportSessions sessions,
            ServingStats stats) {
        // parsing a part's lines is CPU work: not on a network thread
        super(
                ImportSessionAction.NAME,
                transportService,
                actionFilters,
                ImportSessionAction.Request::new,
                transportService.getThreadPool().executor(ThreadPool.Names.GENERIC));
        this.sessions = sessions;
        this.clusterService = clusterService;
        this.transportService = transportService;
        this.stats = stats;
    }

    @Override
    protected void doExecute(
            Task task, ImportSessionAction.Request request, ActionListener<ImportSessionAction.Response> outcome) {
        ActionListener<ImportSessionAction.Response> listener = request.op() == ImportSessionAction.Op.COMPLETE
                ? stats.timed(ServingStats.Endpoint.IMPORT, outcome)
                : outcome;
        if (request.op() == ImportSessionAction.Op.OPEN) {
            sessions.open(
                    request.name(),
                    request.importId(),
                    transportService.getTaskManager(),
                    ImportSessionAction.NAME + "[session]",
                    listener.delegateFailureAndWrap((l, opened) -> {
                        if (opened.resumed() == null) {
                            l.onResponse(new ImportSessionAction.Response(opened.opened()));
                        } else {
                            // the same opening sent again: the session it opened, as the node holding it says
                            route(ImportSessionAction.Request.status(request.name(), opened.resumed()), l);
                        }
                    }));
            return;
        }
        route(request, listener);
    }

    /** Runs a request of an open session on the node that holds it. */
    private void route(ImportSessionAction.Request request, ActionListener<ImportSessionAction.Response> listener) {
        ActionListener<ImportSessions.Info> answer = listener.map(ImportSessionAction.Response::new);
        DiscoveryNode owner = owner(request);
        if (owner.getId().equals(clusterService.localNode().getId()) == false) {
            transportService.sendRequest(
                    owner,
                    ImportSessionAction.NAME,
                    request,
                    new ActionListenerResponseHandler<>(
                            ActionListener.wrap(listener::onResponse, e -> {
                                if (ExceptionsHelper.unwrap(
                                                e, ConnectTransportException.class, NodeClosedException.class)
                                        != null) {
                                    // its node died after this node's cluster state last said so: take it over here
                                    // (the master refuses while it still counts that node in)
                                    runHere(request, answer);
                                } else {
                                    listener.onFailure(e);
                                }
                            }),
                            ImportSessionAction.Response::new,
                            transportService.getThreadPool().generic()));
            return;
        }
        runHere(request, answer);
    }

    private void runHere(ImportSessionAction.Request request, ActionListener<ImportSessions.Info> answer) {
        TaskManager tasks = transportService.getTaskManager();
        try {
            switch (request.op()) {
                case PART ->
                    sessions.part(request.name(), request.session(), request.part(), request.lines(), tasks, answer);
                case STATUS -> sessions.status(request.name(), request.session(), tasks, answer);
                case COMPLETE ->
                    sessions.complete(
                            request.name(), request.session(), request.parts(), request.newestEvent(), tasks, answer);
                case ABORT -> sessions.abort(request.name(), request.session(), tasks, answer);
                default -> throw new IllegalStateException("unexpected " + request.op());
            }
        } catch (Exception e) {
            answer.onFailure(e); // a 400 or 404 found before any work
        }
    }

    /**
     * The node that holds the session, as its record in the cluster state says; this node when that one is gone (it
     * takes the session over). A session not recorded (yet, in this node's state) is on the node that opened it.
     */
    private DiscoveryNode owner(ImportSessionAction.Request request) {
        TaskId id;
        try {
            id = new TaskId(request.session());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "[session] [" + request.session() + "] is not an import session's id (<node>:<number>)", e);
        }
        ClusterState state = clusterService.state();
        ImportSessionRecords.Record record = ImportSessionRecords.of(state).get(request.session());
        if (record != null) {
            for (DiscoveryNode node : state.nodes()) {
                if (node.getEphemeralId().equals(record.ephemeralId())) {
                    return node;
                }
            }
            return clusterService.localNode();
        }
        DiscoveryNode node = state.nodes().get(id.getNodeId());
        if (node == null) {
            throw new ResourceNotFoundException("import session [" + request.session() + "] of model [" + request.name()
                    + "] not found: it was completed, aborted or abandoned, and its node [" + id.getNodeId()
                    + "] is not in the cluster");
        }
        return node;
    }
}
