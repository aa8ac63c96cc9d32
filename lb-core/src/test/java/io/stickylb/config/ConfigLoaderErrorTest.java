package io.stickylb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Invalid configs: each error names the file, the 1-based line and the key path of the offending node. */
class ConfigLoaderErrorTest {

    private static final Map<String, String> ENV = Map.of("LB_ADMIN_TOKEN", "s3cret");

    /** A valid pool on one line, for cases whose error is elsewhere. */
    private static final String POOLS = "pools: { app: { backends: [ { id: b1, address: \"localhost:9001\" } ] } }\n";

    private static String parseError(String yaml) {
        try {
            ConfigLoader.parse(yaml, "bad.yaml", ENV);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected a ConfigException for:\n" + yaml);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidConfigs")
    void eachInvalidConfigIsReportedWithFileLineAndKeyPath(String problem, String yaml, String expected) {
        assertThat(parseError(yaml)).isEqualTo(expected);
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                // unknown keys, at every level
                arguments("unknown top-level key", "listen: 127.0.0.1:8080\nlisen: 127.0.0.1:8081\n" + POOLS,
                        "bad.yaml:2: lisen: unknown key (did you mean 'listen'?)"),
                arguments("unknown key with nothing close lists the keys", "colour: red\n" + POOLS,
                        "bad.yaml:1: colour: unknown key (expected one of: listen, workers, shutdown-timeout,"
                                + " trusted-proxies, forwarded-headers, paths, proxy-protocol, tls, admin,"
                                + " access-log, limits, pools, routes, transport)"),
                arguments("proxy-protocol not a boolean", "proxy-protocol: v2\n" + POOLS,
                        "bad.yaml:1: proxy-protocol: 'v2' is not a boolean (expected: true or false)"),
                arguments("unknown paths key", "paths: { normalise: true }\n" + POOLS,
                        "bad.yaml:1: paths.normalise: unknown key (did you mean 'normalize'?)"),
                arguments("merging slashes without normalising", "paths:\n  normalize: false\n  merge-slashes: true\n"
                        + POOLS, "bad.yaml:3: paths.merge-slashes: needs normalize: true (merging slashes is part of"
                        + " normalising)"),
                arguments("paths not a mapping", "paths: yes\n" + POOLS,
                        "bad.yaml:1: paths: expected a mapping, got 'yes'"),
                arguments("unknown pool key", """
                        pools:
                          app:
                            stratgy: cookie
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.stratgy: unknown key (did you mean 'strategy'?)"),
                arguments("unknown backend key", """
                        pools:
                          app:
                            backends:
                              - id: b1
                                adress: localhost:1
                        """, "bad.yaml:5: pools.app.backends[0].adress: unknown key (did you mean 'address'?)"),
                arguments("unknown timeout key", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            timeouts: { conect: 1s }
                        """, "bad.yaml:4: pools.app.timeouts.conect: unknown key (did you mean 'connect'?)"),
                arguments("snake_case affinity key", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            affinity:
                              cookie_name: SID
                        """, "bad.yaml:5: pools.app.affinity.cookie_name: unknown key (did you mean 'cookie-name'?)"),
                arguments("unknown active health key", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health:
                              active:
                                intervall: 1s
                        """, "bad.yaml:6: pools.app.health.active.intervall: unknown key (did you mean 'interval'?)"),
                arguments("unknown passive health key", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health:
                              passive: { consecutive-failure: 3 }
                        """, "bad.yaml:5: pools.app.health.passive.consecutive-failure: unknown key"
                                + " (did you mean 'consecutive-failures'?)"),
                arguments("unknown health key", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health: { checks: 10 }
                        """, "bad.yaml:4: pools.app.health.checks: unknown key"
                                + " (expected one of: active, passive, panic-threshold)"),
                arguments("unknown limits key", "limits:\n  max-body: 1MiB\n" + POOLS,
                        "bad.yaml:2: limits.max-body: unknown key (did you mean 'max-body-size'?)"),
                arguments("unknown admin key", "admin: { listen: 127.0.0.1:9090, tokn: x }\n" + POOLS,
                        "bad.yaml:1: admin.tokn: unknown key (did you mean 'token'?)"),
                arguments("unknown access-log key", "access-log: { enabled: true, formt: json }\n" + POOLS,
                        "bad.yaml:1: access-log.formt: unknown key (did you mean 'format'?)"),
                arguments("unknown route key", POOLS + "routes:\n  - { host: \"*\", pathPrefix: /, pool: app }\n",
                        "bad.yaml:3: routes[0].pathPrefix: unknown key (did you mean 'path-prefix'?)"),

                // malformed values
                arguments("malformed backend address", """
                        pools:
                          app:
                            backends:
                              - { id: b1, address: 127.0.0.1 }
                        """, "bad.yaml:4: pools.app.backends[0].address: '127.0.0.1' is not host:port"
                                + " (e.g. 127.0.0.1:9001)"),
                arguments("malformed listen port", "listen: localhost:http\n" + POOLS,
                        "bad.yaml:1: listen: 'localhost:http' has an invalid port 'http' (expected: 0..65535)"),
                arguments("listen port out of range", "listen: localhost:70000\n" + POOLS,
                        "bad.yaml:1: listen: 'localhost:70000' has an invalid port 70000 (expected: 0..65535)"),
                arguments("malformed duration", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            timeouts:
                              connect: 1 sec
                        """, "bad.yaml:5: pools.app.timeouts.connect: '1 sec' is not a duration"
                                + " (expected e.g. 250ms, 2s, 1m, 1h)"),
                arguments("malformed size", "limits: { max-body-size: 10 megabytes }\n" + POOLS,
                        "bad.yaml:1: limits.max-body-size: '10 megabytes' is not a size"
                                + " (expected e.g. 8192, 64KiB, 10MiB, 1GB)"),
                arguments("malformed trusted proxy", "trusted-proxies:\n  - 10.0.0.0/8\n  - 10.0.0.0/33\n" + POOLS,
                        "bad.yaml:3: trusted-proxies[1]: '10.0.0.0/33' has an invalid prefix length (expected: 0..32)"),
                arguments("malformed status range", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health: { active: { expect: 2xx } }
                        """, "bad.yaml:4: pools.app.health.active.expect: '2xx' is not a status range"
                                + " (expected e.g. 200-399 or 200)"),
                arguments("invalid backend id", """
                        pools:
                          app:
                            backends: [ { id: "b 1", address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.backends[0].id: 'b 1' is not a valid backend id"
                                + " (expected 1-64 letters, digits, '.', '_' or '-')"),
                arguments("invalid pool name",
                        "pools:\n  \"my pool\": { backends: [ { id: b1, address: \"h:1\" } ] }\n",
                        "bad.yaml:2: pools.my pool: 'my pool' is not a valid pool name"
                                + " (expected 1-64 letters, digits, '.', '_' or '-')"),
                arguments("a backend id that is a dot segment", """
                        pools:
                          app:
                            backends: [ { id: "..", address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.backends[0].id: '..' is not a valid backend id (a dot segment in"
                                + " an admin API path; expected 1-64 letters, digits, '.', '_' or '-')"),
                arguments("a pool name that is a dot segment",
                        "pools:\n  \".\": { backends: [ { id: b1, address: \"h:1\" } ] }\n",
                        "bad.yaml:2: pools..: '.' is not a valid pool name (a dot segment in an admin API path;"
                                + " expected 1-64 letters, digits, '.', '_' or '-')"),

                // duplicates
                arguments("duplicate backend id reports the second", """
                        pools:
                          app:
                            backends:
                              - { id: b1, address: "localhost:1" }
                              - { id: b2, address: "localhost:2" }
                              - { id: b1, address: "localhost:3" }
                        """, "bad.yaml:6: pools.app.backends[2].id: duplicate backend id 'b1' (first at line 4)"),
                arguments("route name equal to another backend's id", """
                        pools:
                          app:
                            backends:
                              - { id: b1, address: "localhost:1" }
                              - { id: b2, address: "localhost:2", route: b1 }
                        """, "bad.yaml:5: pools.app.backends[1].route: duplicate route 'b1' (first at line 4)"),
                arguments("duplicate key in a mapping", "listen: 127.0.0.1:8080\n" + POOLS + "listen: 127.0.0.1:8081\n",
                        "bad.yaml:3: listen: duplicate key (first at line 1)"),
                arguments("duplicate key in a flow mapping", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1", id: b2 } ]
                        """, "bad.yaml:3: pools.app.backends[0].id: duplicate key (first at line 3)"),
                arguments("duplicate pool name", """
                        pools:
                          app: { backends: [ { id: b1, address: "localhost:1" } ] }
                          app: { backends: [ { id: b2, address: "localhost:2" } ] }
                        """, "bad.yaml:3: pools.app: duplicate key (first at line 2)"),
                arguments("duplicate route", POOLS + """
                        routes:
                          - { host: "*", path-prefix: /, pool: app }
                          - { host: "*", pool: app }
                        """, "bad.yaml:4: routes[1]: duplicate route for host '*' and path-prefix '/'"
                                + " (first at line 3)"),

                // routes and pools
                arguments("route naming a missing pool", POOLS + "routes:\n  - { host: \"*\", pool: ap }\n",
                        "bad.yaml:3: routes[0].pool: no pool named 'ap' (did you mean 'app'?; pools: app)"),
                arguments("routes missing with two pools", """
                        pools:
                          web: { backends: [ { id: b1, address: "localhost:1" } ] }
                          api: { backends: [ { id: b1, address: "localhost:2" } ] }
                        """, "bad.yaml:1: routes: missing (with more than one pool, routes must say which requests"
                                + " go where; pools: web, api)"),
                arguments("empty routes", POOLS + "routes: []\n",
                        "bad.yaml:2: routes: empty (expected at least one route, e.g."
                                + " { host: \"*\", path-prefix: /, pool: app })"),
                arguments("route path-prefix without slash", POOLS + "routes:\n  - { path-prefix: api, pool: app }\n",
                        "bad.yaml:3: routes[0].path-prefix: 'api' (expected to start with /)"),

                // ranges and signs
                arguments("weight zero, the issue's example message", """
                        listen: 127.0.0.1:8080
                        pools:
                          app:
                            strategy: round-robin
                            backends:
                              - { id: b1, address: 127.0.0.1:9001 }
                              - { id: b2, address: 127.0.0.1:9002, weight: 0 }
                        """, "bad.yaml:7: pools.app.backends[1].weight: 0 (expected: 1..1000)"),
                arguments("weight above the maximum", """
                        pools:
                          app:
                            backends:
                              - id: b1
                                address: localhost:1
                                weight: 1001
                        """, "bad.yaml:6: pools.app.backends[0].weight: 1001 (expected: 1..1000)"),
                arguments("zero where positive is needed", "limits:\n  max-connections: 0\n" + POOLS,
                        "bad.yaml:2: limits.max-connections: 0 (expected: > 0)"),
                arguments("negative body size", "limits:\n  max-body-size: -1\n" + POOLS,
                        "bad.yaml:2: limits.max-body-size: -1 (expected: >= 0, 0 = no limit)"),
                arguments("zero timeout", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            timeouts: { connect: 0 }
                        """, "bad.yaml:4: pools.app.timeouts.connect: 0 (expected: > 0)"),
                arguments("zero tunnel timeout", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            timeouts: { tunnel: 0s }
                        """, "bad.yaml:4: pools.app.timeouts.tunnel: 0 (expected: > 0)"),
                arguments("negative retries", """
                        pools:
                          app:
                            retries: -1
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.retries: -1 (expected: 0..10)"),
                arguments("workers above the maximum", "workers: 300\n" + POOLS,
                        "bad.yaml:1: workers: 300 (expected: auto or 1..256)"),
                // as --workers 0 is: the README documents auto, not 0, for one thread per core
                arguments("workers zero", "workers: 0\n" + POOLS, "bad.yaml:1: workers: 0 (expected: auto or 1..256)"),
                arguments("integer beyond int range", "limits: { max-connections: 3000000000 }\n" + POOLS,
                        "bad.yaml:1: limits.max-connections: 3000000000 is out of range (expected at most 2147483647)"),
                arguments("balance factor below one", """
                        pools:
                          app:
                            balance-factor: 0.5
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.balance-factor: 0.5 (expected: 0 (off) or >= 1.0)"),
                arguments("rise zero", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health:
                              active:
                                rise: 0
                        """, "bad.yaml:6: pools.app.health.active.rise: 0 (expected: 1..100)"),
                arguments("inverted status range", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health: { active: { expect: 399-200 } }
                        """, "bad.yaml:4: pools.app.health.active.expect: 399-200 (expected: a range within 100-599)"),
                arguments("panic threshold above 100", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            health:
                              panic-threshold: 101
                        """, "bad.yaml:5: pools.app.health.panic-threshold: 101 (expected: 0..100)"),
                arguments("retry on a non-5xx status", """
                        pools:
                          app:
                            retry-on: [ reset, 404 ]
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.retry-on[1]: 404 (expected a status code 500-599)"),
                arguments("retry on an unknown condition", """
                        pools:
                          app:
                            retry-on: [ timeuot ]
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.retry-on[0]: 'timeuot' is not a retry condition"
                                + " (did you mean 'timeout'?; expected one of: connect-failure, reset, timeout,"
                                + " or a status code 500-599)"),

                // enums
                arguments("strategy typo", """
                        pools:
                          app:
                            strategy: round-robn
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.strategy: 'round-robn' is not a strategy (did you mean"
                                + " 'round-robin'?; expected one of: round-robin, least-connections, ip-hash,"
                                + " header-hash, cookie)"),
                arguments("fallback that needs the request", """
                        pools:
                          app:
                            fallback: cookie
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.fallback: 'cookie' is not a fallback strategy"
                                + " (expected one of: round-robin, least-connections)"),
                arguments("unknown enum value", """
                        pools:
                          app:
                            on-unavailable: retry
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.on-unavailable: 'retry' is not an on-unavailable policy"
                                + " (expected one of: redispatch, fail)"),
                arguments("affinity mode typo", """
                        pools:
                          app:
                            affinity: { mode: route_sufix }
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.affinity.mode: 'route_sufix' is not an affinity mode"
                                + " (did you mean 'route-suffix'?;"
                                + " expected one of: insert, prefix, route-suffix, learn)"),
                arguments("transport typo", "transport: io_uring\n" + POOLS,
                        "bad.yaml:1: transport: 'io_uring' is not a transport (did you mean 'io-uring'?;"
                                + " expected one of: auto, epoll, io-uring, nio)"),
                arguments("transport not a name", "transport: [epoll]\n" + POOLS,
                        "bad.yaml:1: transport: expected a single value, got a list"),
                arguments("access-log format", "access-log: { format: xml }\n" + POOLS,
                        "bad.yaml:1: access-log.format: 'xml' is not a log format (expected one of: text, json)"),

                // missing and empty
                arguments("missing pools", "listen: 127.0.0.1:8080\n", "bad.yaml:1: pools: missing required key"),
                arguments("empty pools", "pools: {}\n",
                        "bad.yaml:1: pools: no pools defined (expected at least one, e.g. app: { backends: [...] })"),
                arguments("pools without a value", "listen: 127.0.0.1:8080\npools:\n",
                        "bad.yaml:2: pools: missing value"),
                arguments("missing backends", "pools:\n  app:\n    strategy: cookie\n",
                        "bad.yaml:3: pools.app.backends: missing required key"),
                arguments("empty backend list", "pools:\n  app:\n    backends: []\n",
                        "bad.yaml:3: pools.app.backends: empty (a pool needs at least one backend)"),
                arguments("empty pool", "pools:\n  app:\n",
                        "bad.yaml:2: pools.app: empty pool (expected a mapping with at least 'backends')"),
                arguments("backend without id", "pools:\n  app:\n    backends:\n      - address: localhost:1\n",
                        "bad.yaml:4: pools.app.backends[0].id: missing required key"),
                arguments("backend without address", "pools:\n  app:\n    backends:\n      - id: b1\n",
                        "bad.yaml:4: pools.app.backends[0].address: missing required key"),
                arguments("route without pool", POOLS + "routes:\n  - host: example.com\n",
                        "bad.yaml:3: routes[0].pool: missing required key"),
                arguments("empty file", "# nothing here\n",
                        "bad.yaml:1: the file is empty (expected at least a 'pools' section)"),

                // wrong types
                arguments("string where a mapping is expected", "pools: app\n",
                        "bad.yaml:1: pools: expected a mapping, got 'app'"),
                arguments("mapping where a list is expected", "pools:\n  app:\n    backends: { id: b1 }\n",
                        "bad.yaml:3: pools.app.backends: expected a list, got a mapping"),
                arguments("list where a value is expected", POOLS + "shutdown-timeout: [ 1s ]\n",
                        "bad.yaml:2: shutdown-timeout: expected a single value, got a list"),
                arguments("word where an integer is expected", "limits: { max-header-count: many }\n" + POOLS,
                        "bad.yaml:1: limits.max-header-count: 'many' is not an integer"),
                arguments("word where a boolean is expected", "access-log: { enabled: maybe }\n" + POOLS,
                        "bad.yaml:1: access-log.enabled: 'maybe' is not a boolean (expected: true or false)"),
                arguments("word where a top-level boolean is expected", "forwarded-headers: sometimes\n" + POOLS,
                        "bad.yaml:1: forwarded-headers: 'sometimes' is not a boolean (expected: true or false)"),
                arguments("unquoted IPv6 address", "admin:\n  listen: [ \"::1\" ]\n" + POOLS,
                        "bad.yaml:2: admin.listen: expected host:port, got a list"
                                + " (quote IPv6 addresses: \"[::1]:8080\")"),
                arguments("top level is a list", "- listen\n- pools\n",
                        "bad.yaml:1: expected a mapping, got a list"),
                arguments("workers neither auto nor a number", "workers: lots\n" + POOLS,
                        "bad.yaml:1: workers: 'lots' is not an integer"),

                // YAML syntax
                arguments("bad indentation", "pools:\n  app:\n    backends:\n    - id: b1\n     address: x\n",
                        "bad.yaml:5: YAML syntax error: expected <block end>, but found '<block mapping start>'"
                                + " (while parsing a block mapping started at line 3)"),
                arguments("tab indentation", "pools:\n  app:\n\tbackends: []\n",
                        "bad.yaml:3: YAML syntax error: found character '\\t(TAB)' that cannot start any token."
                                + " (Do not use \\t(TAB) for indentation)"),
                arguments("unclosed flow mapping", "listen: 127.0.0.1:1\npools: { app: { backends: [] }\n",
                        "bad.yaml:3: YAML syntax error: expected ',' or '}', but got <stream end>"
                                + " (while parsing a flow mapping started at line 2)"),
                arguments("two documents", POOLS + "---\n" + POOLS,
                        "bad.yaml:2: YAML syntax error: expected a single document in the stream,"
                                + " but found another document"),

                // environment substitution
                arguments("missing environment variable", "admin:\n  token: \"${NO_SUCH_VAR}\"\n" + POOLS,
                        "bad.yaml:2: admin.token: environment variable 'NO_SUCH_VAR' is not set"),
                arguments("missing variable inside a longer value", POOLS + "listen: 127.0.0.1:${PORT}\n",
                        "bad.yaml:2: listen: environment variable 'PORT' is not set"),
                arguments("unclosed reference", "admin: { token: \"abc${X\" }\n" + POOLS,
                        "bad.yaml:1: admin.token: 'abc${X' has an unclosed ${ (write $${ for a literal ${)"),

                // rules spanning keys
                arguments("both secret and secrets", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            affinity:
                              secret: a
                              secrets: [ b ]
                        """, "bad.yaml:6: pools.app.affinity.secrets: give either secret or secrets, not both"),
                arguments("two secrets with one key id", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            affinity:
                              secrets: [ secret-238, secret-5985 ]
                        """, "bad.yaml:5: pools.app.affinity.secrets[1]: shares its key id with secrets[0] (a token"
                                + " names its key by the first 24 bits of the secret's SHA-256); change one"),
                arguments("SameSite None without Secure", """
                        pools:
                          app:
                            backends: [ { id: b1, address: "localhost:1" } ]
                            affinity: { same-site: none }
                        """, "bad.yaml:4: pools.app.affinity.same-site: None requires secure: true"
                                + " (browsers reject SameSite=None without Secure)"),
                arguments("header-hash without a header or cookie", """
                        pools:
                          app:
                            strategy: header-hash
                            backends: [ { id: b1, address: "localhost:1" } ]
                        """, "bad.yaml:3: pools.app.strategy: header-hash needs hash-header (a header name)"
                                + " or hash-cookie (a cookie name) to hash"),
                arguments("admin on a public address without a token", "admin: { listen: 0.0.0.0:9090 }\n" + POOLS,
                        "bad.yaml:1: admin.listen: 0.0.0.0:9090 is not a loopback address; set admin.token to expose"
                                + " the admin API beyond this machine"),
                arguments("admin on a public address with a blank token",
                        "admin:\n  listen: 0.0.0.0:9090\n  token: \"  \"\n" + POOLS,
                        "bad.yaml:2: admin.listen: 0.0.0.0:9090 is not a loopback address; set admin.token to expose"
                                + " the admin API beyond this machine"),
                arguments("admin token with white space around it",
                        "admin:\n  listen: 127.0.0.1:9090\n  token: \" s3cret\"\n" + POOLS,
                        "bad.yaml:3: admin.token: starts or ends with white space, which no request can present"
                                + " (a header value loses it); remove it"),
                arguments("admin on the client listener's address",
                        "listen: 127.0.0.1:8080\nadmin:\n  listen: 127.0.0.1:8080\n" + POOLS,
                        "bad.yaml:3: admin.listen: 127.0.0.1:8080 is the client listener's address (listen, line 1);"
                                + " give the admin API a port of its own"),
                arguments("admin on the client listener's port of every address",
                        "listen: 0.0.0.0:8080\nadmin: { listen: 127.0.0.1:8080 }\n" + POOLS,
                        "bad.yaml:2: admin.listen: 127.0.0.1:8080 is the client listener's address (listen, line 1);"
                                + " give the admin API a port of its own"),
                arguments("admin on by default on the client listener's address",
                        "listen: 127.0.0.1:9090\nadmin: on\n" + POOLS,
                        "bad.yaml:2: admin: 127.0.0.1:9090 is the client listener's address (listen, line 1);"
                                + " give the admin API a port of its own"),
                arguments("backend port zero", """
                        pools:
                          app:
                            backends:
                              - { id: b1, address: "localhost:0" }
                        """, "bad.yaml:4: pools.app.backends[0].address: 'localhost:0' has port 0"
                                + " (expected: 1..65535)"));
    }

    @Test
    void durationsTooLongForTheTimersAreRefusedAtTheirLine() throws ConfigException {
        // 999999999999d passed validation, then lb run failed with "long overflow" (start, first request, or stop).
        assertThat(parseError("shutdown-timeout: 999999999999d\n" + POOLS))
                .isEqualTo("bad.yaml:1: shutdown-timeout: '999999999999d' is too long (expected at most 3650d)");
        assertThat(parseError("limits:\n  idle-timeout: 3651d\n" + POOLS))
                .isEqualTo("bad.yaml:2: limits.idle-timeout: '3651d' is too long (expected at most 3650d)");
        assertThat(parseError(POOLS.replace("} ] }", "} ], timeouts: { connect: 99999999999h } }")))
                .isEqualTo("bad.yaml:1: pools.app.timeouts.connect: '99999999999h' is too long (expected at most"
                        + " 3650d)");
        assertThat(ConfigLoader.parse("shutdown-timeout: 3650d\n" + POOLS, "ok.yaml", ENV).shutdownTimeout())
                .isEqualTo(java.time.Duration.ofDays(3650));
    }

    @Test
    void aKeyThatIsNotAPlainNameIsReportedAtItsLine() {
        // SnakeYAML's own refusal carried no line: "bad.yaml: YAML error: Non scalar key is detected ...".
        assertThat(parseError("listen: 127.0.0.1:8080\n? [a, b]\n: 1\n" + POOLS))
                .isEqualTo("bad.yaml:2: keys must be plain names");
        assertThat(parseError("pools:\n  app:\n    backends: [ { id: b1, address: \"localhost:1\" } ]\n"
                + "    { a: 1 }: x\n"))
                .isEqualTo("bad.yaml:4: pools.app: keys must be plain names");
    }

    @Test
    void aDocumentMarkerWithNothingAfterItIsAnEmptyFile() {
        // Read as "expected a mapping, got nothing" at line 5 of a four-line file.
        assertThat(parseError("# settings follow\n\n---\n# none yet\n"))
                .isEqualTo("bad.yaml:1: the file is empty (expected at least a 'pools' section)");
        assertThat(parseError("---\n"))
                .isEqualTo("bad.yaml:1: the file is empty (expected at least a 'pools' section)");
    }

    @Test
    void aPoolNameIsTakenAsWrittenSinceKeysAreNotSubstituted() {
        // The name was checked after substitution but stored as written: a pool named "${POOL}" ran.
        String yaml = "pools:\n  \"${POOL}\":\n    backends: [ { id: b1, address: \"localhost:1\" } ]\n";

        assertThatThrownBy(() -> ConfigLoader.parse(yaml, "bad.yaml", Map.of("POOL", "app")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("bad.yaml:2: pools.${POOL}: '${POOL}' is not a valid pool name (expected 1-64 letters,"
                        + " digits, '.', '_' or '-'); ${NAME} is replaced in values, not in keys");
    }

    @Test
    void numbersBeyondTheirTypeNameTheKeysOwnBound() {
        assertThat(parseError(POOLS.replace("} ] }", "} ], retries: 99999999999999999999 }")))
                .isEqualTo("bad.yaml:1: pools.app.retries: 99999999999999999999 is out of range (expected at most"
                        + " 2147483647)");
        // Parsed as Infinity, it was taken as a balance factor that bounds nothing.
        assertThat(parseError(POOLS.replace("} ] }", "} ], strategy: ip-hash, balance-factor: 1e400 }")))
                .isEqualTo("bad.yaml:1: pools.app.balance-factor: 1e400 is out of range");
    }

    private static String pool(String settings) {
        return "pools:\n  app:\n    backends: [ { id: b1, address: \"localhost:1\" } ]\n" + settings;
    }

    @Test
    void cookieAttributesThatWouldBreakSetCookieAreRefused() throws ConfigException {
        // Written into Set-Cookie as they came: "Domain=example.com; Secure\r\nX-Injected: yes" reached clients.
        assertThat(parseError(pool("    strategy: cookie\n    affinity:\n      domain: \"example.com; Secure\"\n")))
                .isEqualTo("bad.yaml:6: pools.app.affinity.domain: 'example.com; Secure' is not a domain name"
                        + " (expected e.g. example.com)");
        assertThat(parseError(pool("    affinity: { domain: \"example.com\\r\\nX-Injected: yes\" }\n")))
                .isEqualTo("bad.yaml:4: pools.app.affinity.domain: 'example.com\\r\\nX-Injected: yes' is not a domain"
                        + " name (expected e.g. example.com)");
        assertThat(parseError(pool("    affinity: { path: \"/app; HttpOnly\" }\n")))
                .isEqualTo("bad.yaml:4: pools.app.affinity.path: '/app; HttpOnly' (expected a path without ';' or"
                        + " control characters)");
        AffinityConfig fine = ConfigLoader.parse(pool("    affinity: { domain: .example.com, path: /my app }\n"),
                "ok.yaml", ENV).pools().get("app").affinity();
        assertThat(fine.domain()).isEqualTo(".example.com");
        assertThat(fine.path()).isEqualTo("/my app");
    }

    @Test
    void healthCheckPathsAndHostsThatWouldBreakTheCheckRequestAreRefused() {
        // Each check threw "The URI contain illegal characters" at run time and the backend was never checked.
        assertThat(parseError(pool("    health: { active: { path: /health x } }\n")))
                .isEqualTo("bad.yaml:4: pools.app.health.active.path: '/health x' is not a request path (expected"
                        + " e.g. /health, with no spaces or control characters; percent-encode them)");
        assertThat(parseError(pool("    health: { active: { host: \"app\\r\\nX-Evil: 1\" } }\n")))
                .isEqualTo("bad.yaml:4: pools.app.health.active.host: 'app\\r\\nX-Evil: 1' is not a Host header"
                        + " value (expected e.g. app.example.com, with no spaces or control characters)");
    }

    @Test
    void unknownKeyIsReportedWithLineAndSuggestion() {
        assertThat(parseError("listen: 127.0.0.1:8080\nlisen: 127.0.0.1:8081\n" + POOLS))
                .isEqualTo("bad.yaml:2: lisen: unknown key (did you mean 'listen'?)");
    }

    @Test
    void anExperimentScenarioIsNamedAsSuchAndPointsAtLbExperiment() {
        String scenario = """
                name: failover
                duration: 30s
                backends: { count: 3 }
                clients: { count: 100 }
                strategies: [ { name: rr, strategy: round-robin } ]
                """;

        assertThat(parseError(scenario)).isEqualTo("bad.yaml: this is an experiment scenario, not a proxy config;"
                + " run it with: lb experiment --scenario bad.yaml");
        assertThat(parseError("strategies: []\n")).as("a scenario's own section alone is enough")
                .startsWith("bad.yaml: this is an experiment scenario");
    }

    @Test
    void aProxyConfigWithAStraySectionIsStillAnUnknownKey() {
        assertThat(parseError(POOLS + "clients: { count: 1 }\n"))
                .startsWith("bad.yaml:2: clients: unknown key (expected one of: listen,");
    }

    @Test
    void aMissingFileNamesTheFileAndTheReason(@TempDir Path dir) {
        Path file = dir.resolve("nope.yaml");

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read: no such file");
    }

    @Test
    void aDirectoryIsNotAConfigFile(@TempDir Path dir) {
        assertThatThrownBy(() -> ConfigLoader.load(dir))
                .isInstanceOf(ConfigException.class)
                .hasMessage(dir + ": cannot read: is a directory");
    }

    @Test
    void aFileThatIsNotUtf8CannotBeRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latin1.yaml");
        Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xE9, '\n'});

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read: not valid UTF-8");
    }

    @Test
    void aFileFarLargerThanAnyConfigIsRefusedWithoutReadingItWhole(@TempDir Path dir) throws Exception {
        // A 3 GiB log or image given by mistake (sparse here): reading it whole ended in OutOfMemoryError.
        Path file = dir.resolve("huge.yaml");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(3L << 30);
        }

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": cannot read: larger than 4 MiB, which is no config");
    }

    @Test
    void errorsFromAFileNameThatFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lb.yaml");
        Files.writeString(file, "pools:\n  app:\n    backends:\n      - { id: b1, address: localhost }\n");

        assertThatThrownBy(() -> ConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":4: pools.app.backends[0].address: 'localhost' is not host:port"
                        + " (e.g. 127.0.0.1:9001)");
    }

    @Test
    void aDocumentNestedDeeperThanAnyConfigIsRefusedAtItsLineInsteadOfOverflowingTheStack() {
        // 20,000 levels in 40 KB: SnakeYAML's composer recursed once per level and threw StackOverflowError.
        String lists = "[".repeat(20_000) + "]".repeat(20_000);
        String maps = "{a: ".repeat(20_000) + "1" + "}".repeat(20_000);

        assertThat(parseError(POOLS + "limits: " + lists + "\n"))
                .isEqualTo("bad.yaml:2: nested more than 64 levels deep (a config needs a handful)");
        assertThat(parseError(POOLS + "admin:\n  listen: " + maps + "\n"))
                .isEqualTo("bad.yaml:3: nested more than 64 levels deep (a config needs a handful)");
        // 64 levels, the root mapping counted, are left to the readers.
        assertThat(parseError(POOLS + "limits: " + "[".repeat(63) + "]".repeat(63) + "\n"))
                .isEqualTo("bad.yaml:2: limits: expected a mapping, got a list");
    }

    @Test
    void anAliasBombIsRefusedAtTheLineOfTheAliasTooMany() {
        StringBuilder yaml = new StringBuilder("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (char c = 'b'; c <= 'g'; c++) {
            String nine = String.join(", ", Collections.nCopies(9, "*" + (char) (c - 1)));
            yaml.append(c).append(": &").append(c).append(" [").append(nine).append("]\n");
        }

        // 45 aliases on lines 2-6, the 51st on line 7; SnakeYAML's own check said only "Number of aliases for
        // non-scalar nodes exceeds the specified max=50", with no line.
        assertThat(parseError(yaml.toString())).isEqualTo("bad.yaml:7: more than 50 aliases of lists or mappings"
                + " (each repeats the whole of one; a config needs few)");
        // Aliases of a single value repeat nothing large, and an anchor given again to a value is no longer a list.
        String scalars = "x: &x 1\ny: &y [1]\ny2: &y 2\nz: [" + String.join(", ", Collections.nCopies(60, "*x, *y"))
                + "]\n";
        assertThat(parseError(scalars)).startsWith("bad.yaml:1: x: unknown key");
    }

    @Test
    void syntaxErrorsKeepTheYamlExceptionAsTheCause() {
        assertThatThrownBy(() -> ConfigLoader.parse("a: [1, 2\n", "bad.yaml", ENV))
                .isInstanceOf(ConfigException.class)
                .hasCauseInstanceOf(org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException.class);
    }
}
