package io.personalize.profile;

import io.personalize.model.ModelConfig;
import io.personalize.model.ModelStore;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.elasticsearch.ExceptionsHelper;
import org.elasticsearch.action.ActionListener;

/**
 * The one convention for reads of a model's catalogue as the caller ({@code _recommend}'s shelf, the rescorer's
 * signals): the action that reads is an {@code IndicesRequest} naming the catalogue index, so that security checks the
 * caller's {@code read} on it, and whoever sends it resolves that index first, here. The catalogue comes from this
 * node's copy of the model (no read in the common case); should the model have moved to another catalogue since, the
 * action refuses with a {@link CatalogMismatchException} and the model is read again, once.
 */
public final class CatalogResolver {

    private CatalogResolver() {}

    /** Runs {@code action} with the catalogue index of {@code model}. */
    public static <T> void onCatalog(
            ProfileLoader profiles,
            String model,
            BiConsumer<String, ActionListener<T>> action,
            ActionListener<T> listener) {
        onIndex(profiles, model, config -> config.catalog().index(), action, listener);
    }

    /** Runs {@code action} with the events index of {@code model} (the events API writes there as the caller). */
    public static <T> void onEvents(
            ProfileLoader profiles,
            String model,
            BiConsumer<String, ActionListener<T>> action,
            ActionListener<T> listener) {
        onIndex(profiles, model, config -> config.events().index(), action, listener);
    }

    private static <T> void onIndex(
            ProfileLoader profiles,
            String model,
            Function<ModelConfig, String> which,
            BiConsumer<String, ActionListener<T>> action,
            ActionListener<T> listener) {
        ModelStore.StoredModel known = profiles.cache().model(model);
        if (known == null) {
            lookUp(profiles, model, which, action, listener);
            return;
        }
        action.accept(which.apply(known.config()), ActionListener.wrap(listener::onResponse, e -> {
            if (ExceptionsHelper.unwrapCause(e) instanceof CatalogMismatchException) {
                // the model's index changed since this node last read it: authorize against the new one
                lookUp(profiles, model, which, action, listener);
            } else {
                listener.onFailure(e);
            }
        }));
    }

    private static <T> void lookUp(
            ProfileLoader profiles,
            String model,
            Function<ModelConfig, String> which,
            BiConsumer<String, ActionListener<T>> action,
            ActionListener<T> listener) {
        profiles.model(
                model, listener.delegateFailureAndWrap((l, stored) -> action.accept(which.apply(stored.config()), l)));
    }

    /** The caller was authorized for another index than the model's catalogue (which changed since it was looked up). */
    public static final class CatalogMismatchException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public CatalogMismatchException(String model, String catalog, String index) {
            super("model [" + model + "] recommends from [" + catalog + "], not from [" + index + "]");
        }

        /** Another index of the model than its catalogue (its events index) moved since it was looked up. */
        public CatalogMismatchException(String message) {
            super(message);
        }
    }
}
