package io.personalize.compat;

import java.util.Collection;
import java.util.List;
import org.elasticsearch.action.ActionRequest;
import org.elasticsearch.action.ActionResponse;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.plugins.ActionPlugin;

/**
 * How Elasticsearch asks an {@link ActionPlugin} for its transport actions: a list of {@code ActionHandler}, generic in
 * 9.0 and 8.19 (not from 9.1 on, src/es-9.1). The plugin only implements {@link #actions()}.
 */
public interface ActionHandlersPlugin extends ActionPlugin {

    /** An action and the transport action that runs it. */
    record PluginAction(ActionType<?> type, Class<? extends TransportAction<?, ?>> transportAction) {}

    /** The plugin's transport actions. */
    List<PluginAction> actions();

    @Override
    default Collection<ActionHandler<? extends ActionRequest, ? extends ActionResponse>> getActions() {
        return actions().stream()
                .<ActionHandler<? extends ActionRequest, ? extends ActionResponse>>map(ActionHandlersPlugin::handler)
                .toList();
    }

    // the handler's types are the action's own: the generic ones only tie the request to its transport action
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ActionHandler<? extends ActionRequest, ? extends ActionResponse> handler(PluginAction action) {
        return new ActionHandler(action.type(), (Class) action.transportAction());
    }
}
