package io.personalize.profile;

import io.personalize.model.ModelStore;
import java.util.function.BiConsumer;
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
        ModelStore.StoredModel known = profiles.cache().model(model);
        if (known == null) {
            lookUp(profiles, model, action, listener);
            return;
        }
        action.accept(known.config().catalog().index(), ActionListener.wrap(listener::onResponse, e -> {
            if (ExceptionsHelper.unwrapCause(e) instanceof CatalogMismatchException) {
                // the model's catalogue changed since this node last read it: authorize against the new one
                lookUp(profiles, model, action, listener);
            } else {
                listener.onFailure(e);
            }
        }));
    }

    private static <T> void lookUp(
            ProfileLoader profiles,
            String model,
            BiConsumer<String, ActionListener<T>> action,
            ActionListener<T> listener) {
        profiles.model(
                model,
                listener.delegateFailureAndWrap(
                        (l, stored) -> action.accept(stored.config().catalog().index(), l)));
    }

    /** The caller was authorized for another index than the model's catalogue (which changed since it was looked up). */
    public static final class CatalogMismatchException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public CatalogMismatchException(String model, String catalog, String index) {
            super("model [" + model + "] recommends from [" + catalog + "], not from [" + index + "]");
        }
    }
}
