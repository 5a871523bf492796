package io.personalize.model;

import java.io.IOException;
import java.util.Map;
import org.elasticsearch.cluster.metadata.Metadata;
import org.elasticsearch.common.bytes.BytesReference;
import org.elasticsearch.common.io.stream.BytesStreamOutput;
import org.elasticsearch.common.io.stream.StreamInput;
import org.elasticsearch.common.xcontent.ChunkedToXContent;
import org.elasticsearch.common.xcontent.XContentHelper;
import org.elasticsearch.test.ESTestCase;
import org.elasticsearch.xcontent.ToXContent;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.xcontent.XContentParser;
import org.elasticsearch.xcontent.XContentParserConfiguration;
import org.elasticsearch.xcontent.json.JsonXContent;

public class ForgottenUsersTests extends ESTestCase {

    public void testAProfileIsHiddenFromVersionsWhoseBuildStartedAtOrBeforeTheForgetting() {
        ForgottenUsers users = ForgottenUsers.EMPTY.forget("shop", "u1", 1000);
        assertTrue("built before", users.hides("shop", "u1", 999));
        assertTrue("built in the same millisecond: it may have read the events", users.hides("shop", "u1", 1000));
        assertFalse("built after: read the events as they were after the forgetting", users.hides("shop", "u1", 1001));
        assertFalse("another user", users.hides("shop", "u2", 0));
        assertFalse("another model", users.hides("shop2", "u1", 0));
        assertEquals(Map.of("u1", 1000L), users.forgottenSince("shop", 900));
        assertEquals(Map.of(), users.forgottenSince("shop", 1001));
    }

    public void testForgettingAgainKeepsTheLaterTime() {
        ForgottenUsers users = ForgottenUsers.EMPTY.forget("shop", "u1", 1000).forget("shop", "u1", 500);
        assertEquals(1000, users.forgottenAt("shop", "u1"));
        assertEquals(2000, users.forget("shop", "u1", 2000).forgottenAt("shop", "u1"));
    }

    public void testPruningAndDroppingAModel() {
        ForgottenUsers users = ForgottenUsers.EMPTY
                .forget("shop", "old", 100)
                .forget("shop", "new", 300)
                .forget("other", "u", 100);
        ForgottenUsers pruned = users.prune("shop", at -> at < 200);
        assertEquals(0, pruned.forgottenAt("shop", "old"));
        assertEquals(300, pruned.forgottenAt("shop", "new"));
        assertEquals(100, pruned.forgottenAt("other", "u"));
        assertSame(
                "nothing to prune: the same metadata (no cluster state update)",
                pruned,
                pruned.prune("shop", at -> at < 200));
        ForgottenUsers dropped = pruned.prune("shop", at -> true);
        assertEquals(Map.of("other", Map.of("u", 100L)), dropped.models());
        assertEquals(1, dropped.size());
    }

    public void testWireAndGatewayRoundTrips() throws IOException {
        ForgottenUsers users = ForgottenUsers.EMPTY
                .forget("shop", "u1", 1000)
                .forget("shop", "ü:2", 2000)
                .forget("other", "u", 3);
        BytesStreamOutput out = new BytesStreamOutput();
        users.writeTo(out);
        try (StreamInput in = out.bytes().streamInput()) {
            assertEquals(users, new ForgottenUsers(in));
        }

        XContentBuilder builder = JsonXContent.contentBuilder().startObject();
        ChunkedToXContent.wrapAsToXContent(users)
                .toXContent(builder, new ToXContent.MapParams(Map.of(Metadata.CONTEXT_MODE_PARAM, "gateway")));
        builder.endObject();
        BytesReference json = BytesReference.bytes(builder);
        try (XContentParser parser = XContentHelper.createParser(XContentParserConfiguration.EMPTY, json)) {
            parser.nextToken();
            assertEquals(users, ForgottenUsers.fromXContent(parser));
        }
        assertTrue("persisted with the cluster state", users.context().contains(Metadata.XContentContext.GATEWAY));
    }
}
