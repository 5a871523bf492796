package io.personalize.recommend;

import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasLength;
import static org.hamcrest.Matchers.not;

import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.util.concurrent.ThreadContext;
import org.elasticsearch.test.ESTestCase;

public class CallerTests extends ESTestCase {

    public void testWithoutSecurityEveryCallerSharesOneKey() {
        assertThat(Caller.key(new ThreadContext(Settings.EMPTY)), emptyString());
    }

    public void testEachAuthenticationIsItsOwnKeyAndTheSameOneTheSameKey() {
        String alice = Caller.key(authenticatedAs("YWxpY2UgdmlhIG5hdGl2ZQ=="));
        String bob = Caller.key(authenticatedAs("Ym9iIHZpYSBuYXRpdmU="));
        assertThat(alice, hasLength(64)); // a SHA-256 digest, not the header itself
        assertThat(alice, not(equalTo(bob)));
        assertThat(Caller.key(authenticatedAs("YWxpY2UgdmlhIG5hdGl2ZQ==")), equalTo(alice));
        assertThat(alice, not(emptyString()));
    }

    private static ThreadContext authenticatedAs(String authentication) {
        ThreadContext context = new ThreadContext(Settings.EMPTY);
        context.putHeader(Caller.AUTHENTICATION_HEADER, authentication);
        return context;
    }
}
