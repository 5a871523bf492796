package io.personalize.it.security;

import io.personalize.it.EsClient;
import io.personalize.it.RealCluster;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The one node with security on that SecurityIT and TrainingAsTheCallerIT share (a node start less in the suite): the
 * roles of it/src/test/resources/security/roles.yml (file realm) and every user either class logs in as, with one
 * password. Started by whichever class comes first, stopped with the test JVM.
 */
final class SecureNode {

    static final String PASSWORD = "personalize-test";

    private SecureNode() {}

    /** The node as the superuser (admin), started if it is not yet. */
    static EsClient admin() {
        Path roles;
        try {
            roles = Path.of(Objects.requireNonNull(SecureNode.class.getResource("/security/roles.yml"))
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        String prefix = System.getenv().getOrDefault("PERSONALIZE_IT_NAME", "it");
        int port = Integer.parseInt(System.getenv().getOrDefault("PERSONALIZE_IT_PORT", "19250")) + 40;
        String[] users = {
            "manager:personalize_manager",
            "shopper:shop_search",
            "noprice:shop_search_no_price",
            "eventsreader:events_reader",
            "dlsshopper:shop_search_dls",
            "nobody:no_rights",
            "eventswriter:events_writer",
            "eventsapionly:events_api_only",
            "nocategory:fls_no_category",
            "nosku:fls_no_sku",
            "dlsnocategory:fls_dls_no_category",
            "dlstrainer:trainer_dls",
            "blindtrainer:trainer_without_events",
            "modelmonitor:model_monitor",
            "othertracker:other_events_writer"
        };
        String[] args = new String[3 + 2 * users.length];
        args[0] = "--security";
        args[1] = "--roles";
        args[2] = roles.toString();
        for (int i = 0; i < users.length; i++) {
            String[] user = users[i].split(":");
            args[3 + 2 * i] = "--user";
            args[4 + 2 * i] = user[0] + ":" + PASSWORD + ":" + user[1];
        }
        return RealCluster.start(prefix + "-secure", 1, port, args).any();
    }
}
