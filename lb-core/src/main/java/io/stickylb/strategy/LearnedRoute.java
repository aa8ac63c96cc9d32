package io.stickylb.strategy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.stickylb.config.AffinityConfig;

/**
 * {@code learn} mode: stickylb remembers {@code session id → backend id} from the backends' own
 * {@code Set-Cookie} for the session cookie and routes later requests carrying that id. Only backends create
 * entries (a client sending made-up ids cannot fill the table); a deleted cookie ({@code Max-Age=0} or empty) forgets
 * the session; after a failure with change-cookie-on-failure (and return-home: never) the entry moves to the
 * successor. The table is per instance: an id this instance never saw is NEW.
 */
final class LearnedRoute implements AffinityCarrier {

    private final String name;
    private final LearnedSessions sessions;

    LearnedRoute(AffinityConfig config, LearnedSessions sessions) {
        this.name = config.cookieName();
        this.sessions = sessions;
    }

    LearnedSessions sessions() {
        return sessions;
    }

    @Override
    public void read(HttpRequest request, AffinityState state) {
        String session = CookieHeaders.requestValue(request.headers(), name);
        if (session == null) {
            return;
        }
        state.sessionId = session;
        String backendId = sessions.get(session);
        if (backendId != null) {
            state.pin(backendId, Rendezvous.keyOf(session));
        }
    }

    @Override
    public void beforeRespond(HttpResponse response, AffinityState state) {
        boolean learnt = false;
        if (response.headers().contains(HttpHeaderNames.SET_COOKIE)) {
            for (String sc : response.headers().getAll(HttpHeaderNames.SET_COOKIE)) {
                long r = SetCookies.setCookieValue(sc, name);
                if (r < 0) {
                    continue;
                }
                if (SetCookies.isDeletion(sc, r)) {
                    if (state.sessionId != null) {
                        sessions.remove(state.sessionId);
                    }
                } else {
                    sessions.put(sc.substring(CookieHeaders.start(r), CookieHeaders.end(r)), state.chosen.id());
                    learnt = true;
                }
            }
        }
        if (!learnt && state.repin && state.sessionId != null) {
            sessions.put(state.sessionId, state.chosen.id());
        }
    }
}
