package io.stickylb.sample;

/** The path of a request-target, as echoed ({@link #of}) and as routed ({@link #forRouting}). */
final class RequestPath {

    private RequestPath() {
    }

    /** The raw path without query or fragment; absolute-form targets lose their scheme and authority. */
    static String of(String uri) {
        String path = uri;
        int scheme = path.indexOf("://");
        if (scheme > 0 && path.indexOf('/') > scheme) {
            int slash = path.indexOf('/', scheme + 3);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int end = path.length();
        int query = path.indexOf('?');
        if (query >= 0) {
            end = query;
        }
        int fragment = path.indexOf('#');
        if (fragment >= 0 && fragment < end) {
            end = fragment;
        }
        return path.substring(0, end);
    }

    /** {@link #of} without path parameters, so {@code /slow;jsessionid=X} routes like {@code /slow}. */
    static String forRouting(String uri) {
        String path = of(uri);
        if (path.indexOf(';') < 0) {
            return path;
        }
        StringBuilder out = new StringBuilder(path.length());
        boolean inParam = false;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == ';') {
                inParam = true;
            } else if (c == '/') {
                inParam = false;
            }
            if (!inParam) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
