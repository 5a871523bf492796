package io.personalize.model;

import io.personalize.PersonalizePlugin;
import java.util.HashMap;
import java.util.Map;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.test.AbstractNamedWriteableTestCase;

/**
 * The cluster-state custom {@code personalize_forgotten_users}, read back through the plugin's own named-writeable
 * registration as a node reads it from the master.
 */
public class ForgottenUsersSerializationTests extends AbstractNamedWriteableTestCase<Metadata.ProjectCustom> {

    static ForgottenUsers randomForgottenUsers() {
        Map<String, Map<String, Long>> models = new HashMap<>();
        int n = between(0, 4);
        for (int i = 0; i < n; i++) {
            Map<String, Long> users = new HashMap<>();
            int u = between(1, 5);
            for (int j = 0; j < u; j++) {
                users.put(randomAlphaOfLengthBetween(1, 12), randomLongBetween(1, Long.MAX_VALUE));
            }
            models.put(randomAlphaOfLengthBetween(1, 12), users);
        }
        return new ForgottenUsers(models);
    }

    @Override
    protected ForgottenUsers createTestInstance() {
        return randomForgottenUsers();
    }

    @Override
    protected ForgottenUsers mutateInstance(Metadata.ProjectCustom instance) {
        ForgottenUsers users = (ForgottenUsers) instance;
        if (users.size() > 0 && randomBoolean()) {
            String model = randomFrom(users.models().keySet());
            return users.prune(model, at -> true);
        }
        return users.forget(
                randomAlphaOfLengthBetween(13, 15),
                randomAlphaOfLengthBetween(1, 12),
                randomLongBetween(1, Long.MAX_VALUE));
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(new PersonalizePlugin().getNamedWriteables());
    }

    @Override
    protected Class<Metadata.ProjectCustom> categoryClass() {
        return Metadata.ProjectCustom.class;
    }
}
