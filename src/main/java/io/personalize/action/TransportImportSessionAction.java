package io.personalize.action;

import io.personalize.model.ImportSessions;
import io.personalize.stats.ServingStats;
import org.elasticsearch.ResourceNotFoundException;
import org.elasticsearch.action.ActionListener;
import org.elasticsearch.action.ActionListenerResponseHandler;
import org.elasticsearch.action.support.ActionFilters;
import org.elasticsearch.action.support.HandledTransportAction;
import org.elasticsearch.cluster.node.DiscoveryNode;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.injection.guice.Inject;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.tasks.TaskId;
import org.elasticsearch.threadpool.ThreadPool;
import org.elasticsearch.transport.TransportService;

/**
 * Runs an import session's request on the node that holds the session (the node named in the session's id, which is its
 * task's id), forwarding it there when it arrived elsewhere: a client may send its parts to any node.
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
        ActionListener<ImportSessions.Info> answer = listener.map(ImportSessionAction.Response::new);
        if (request.op() == ImportSessionAction.Op.OPEN) {
            sessions.open(
                    request.name(), transportService.getTaskManager(), ImportSessionAction.NAME + "[session]", answer);
            return;
        }
        DiscoveryNode owner = owner(request);
        if (owner.getId().equals(clusterService.localNode().getId()) == false) {
            transportService.sendRequest(
                    owner,
                    ImportSessionAction.NAME,
                    request,
                    new ActionListenerResponseHandler<>(
                            listener,
                            ImportSessionAction.Response::new,
                            transportService.getThreadPool().generic()));
            return;
        }
        switch (request.op()) {
            case PART -> sessions.part(request.name(), request.session(), request.part(), request.lines(), answer);
            case STATUS -> answer.onResponse(sessions.status(request.name(), request.session()));
            case COMPLETE ->
                sessions.complete(request.name(), request.session(), request.parts(), request.newestEvent(), answer);
            case ABORT -> sessions.abort(request.name(), request.session(), answer);
            default -> throw new IllegalStateException("unexpected " + request.op());
        }
    }

    /** The node that holds the session: the node of its task id. */
    private DiscoveryNode owner(ImportSessionAction.Request request) {
        TaskId id;
        try {
            id = new TaskId(request.session());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "[session] [" + request.session() + "] is not an import session's id (<node>:<number>)", e);
        }
        DiscoveryNode node = clusterService.state().nodes().get(id.getNodeId());
        if (node == null) {
            throw new ResourceNotFoundException("import session [" + request.session() + "] of model [" + request.name()
                    + "] not found: its node [" + id.getNodeId() + "] is not in the cluster");
        }
        return node;
    }
}
