package io.personalize.compat;

import java.util.Collection;
import java.util.List;
import org.elasticsearch.action.ActionType;
import org.elasticsearch.action.support.TransportAction;
import org.elasticsearch.plugins.ActionPlugin;

/**
 * How Elasticsearch asks an {@link ActionPlugin} for its transport actions: a list of {@code ActionHandler}, generic in
 * 9.0 and 8.19 (src/es-9.0), not from 9.1 on. The plugin only implements {@link #actions()}.
 */
public interface ActionHandlersPlugin extends ActionPlugin {

    /** An action and the transport action that runs it. */
    record PluginAction(ActionType<?> type, Class<? extends TransportAction<?, ?>> transportAction) {}

    /** The plugin's transport actions. */
    List<PluginAction> actions();

    @Override
    default Collection<ActionHandler> getActions() {
        return actions().stream()
                .map(action -> new ActionHandler(action.type(), action.transportAction()))
                .toList();
    }
}
