package io.stickylb.config;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * TLS on the client listener: the certificate chain and private key (PEM files) and the protocol versions offered.
 * The context is built when the config is read, so a bad file fails {@code lb validate}, a start or a reload, never
 * the first handshake; a reload reads the files again, which is how a renewed certificate is put in service.
 */
public record TlsConfig(Path certificate, Path key, List<String> protocols, SslContext context) {

    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final String BEGIN_CERTIFICATE = "-----BEGIN CERTIFICATE-----";
    private static final String END_CERTIFICATE = "-----END CERTIFICATE-----";

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(context, "context");
        protocols = List.copyOf(protocols);
    }

    /** A certificate or key file that cannot be used, with a sentence an operator can act on. */
    public static final class BadFileException extends IllegalArgumentException {

        private final boolean key;

        BadFileException(String message, boolean key, Throwable cause) {
            super(message, cause);
            this.key = key;
        }

        /** True when the key file is at fault, false for the certificate file. */
        public boolean key() {
            return key;
        }
    }

    /**
     * Reads the PEM files and builds the server context (the JDK's TLS, so nothing native is needed). Throws
     * {@link BadFileException} when a file is missing, unreadable or not PEM, or when the key is not the
     * certificate's.
     */
    public static TlsConfig load(Path certificate, Path key, List<String> protocols) {
        List<? extends Certificate> chain = certificates(certificate);
        checkKeyForm(key);
        SslContext context;
        try {
            context = SslContextBuilder.forServer(certificate.toFile(), key.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(protocols)
                    .build();
        } catch (IOException | IllegalArgumentException e) {
            throw new BadFileException(key + ": not a usable private key (" + rootMessage(e)
                    + "; expected an unencrypted PKCS#8 PEM key, BEGIN PRIVATE KEY)", true, e);
        }
        PrivateKey privateKey = pkcs8(key);
        if (privateKey != null && !matches(privateKey, chain.get(0).getPublicKey())) {
            throw new BadFileException(key + " is not the private key of the first certificate in " + certificate,
                    true, null);
        }
        return new TlsConfig(certificate, key, protocols, context);
    }

    private static List<? extends Certificate> certificates(Path file) {
        String pem = new String(read(file, false), StandardCharsets.US_ASCII);
        // Only the certificate blocks: a file that also holds the key (HAProxy's crt, allowed by nginx) is fine, and
        // the JDK's parser fails on a key block with "signed fields invalid".
        StringBuilder blocks = new StringBuilder();
        int at = 0;
        int begin;
        while ((begin = pem.indexOf(BEGIN_CERTIFICATE, at)) >= 0) {
            int end = pem.indexOf(END_CERTIFICATE, begin);
            if (end < 0) {
                break; // an unfinished block: the parser below names the problem
            }
            at = end + END_CERTIFICATE.length();
            blocks.append(pem, begin, at).append('\n');
        }
        if (begin >= 0) {
            blocks.append(pem, begin, pem.length());
        }
        if (blocks.isEmpty()) {
            throw new BadFileException(file + ": no certificate in it (expected PEM, BEGIN CERTIFICATE)", false, null);
        }
        List<? extends Certificate> chain;
        try (InputStream in = new java.io.ByteArrayInputStream(blocks.toString().getBytes(StandardCharsets.US_ASCII))) {
            chain = List.copyOf(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (GeneralSecurityException | IOException e) {
            throw new BadFileException(file + ": not a PEM certificate chain (" + rootMessage(e) + ")", false, e);
        }
        checkOrder(file, chain);
        return chain;
    }

    /**
     * The JDK's key store takes a chain only in order, each certificate issued by the next, without repeats; it
     * refuses any other as "Certificate chain is not valid", which Netty reports against the key. Said here, the
     * operator is pointed at the certificate file and at the two certificates that do not follow each other.
     */
    private static void checkOrder(Path file, List<? extends Certificate> chain) {
        for (int i = 1; i < chain.size(); i++) {
            if (chain.subList(0, i).contains(chain.get(i))) {
                throw new BadFileException(file + ": certificate " + (i + 1) + " (" + subject(chain.get(i))
                        + ") appears twice (expected the server's certificate first, then each issuer once)", false,
                        null);
            }
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            X509Certificate cert = (X509Certificate) chain.get(i);
            if (!cert.getIssuerX500Principal().equals(((X509Certificate) chain.get(i + 1)).getSubjectX500Principal())) {
                throw new BadFileException(file + ": certificate " + (i + 2) + " (" + subject(chain.get(i + 1))
                        + ") is not the issuer of certificate " + (i + 1) + " (" + subject(cert) + ", issued by "
                        + cert.getIssuerX500Principal() + "); expected the server's certificate first, then each"
                        + " issuer in turn", false, null);
            }
        }
    }

    private static String subject(Certificate cert) {
        return ((X509Certificate) cert).getSubjectX500Principal().getName();
    }

    /**
     * A key in another PEM form fails deep in the JDK's parser with a message such as "algid parse error, not a
     * sequence"; named by its label, the operator knows what the file is and the one command that converts it.
     */
    private static void checkKeyForm(Path file) {
        String pem = new String(read(file, true), StandardCharsets.US_ASCII);
        String form = null;
        if (pem.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            form = "a PKCS#1 RSA key (BEGIN RSA PRIVATE KEY)";
        } else if (pem.contains("-----BEGIN EC PRIVATE KEY-----")) {
            form = "an SEC 1 EC key (BEGIN EC PRIVATE KEY)";
        } else if (pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
            form = "an encrypted key (BEGIN ENCRYPTED PRIVATE KEY)";
        } else if (pem.contains("-----BEGIN OPENSSH PRIVATE KEY-----")) {
            form = "an OpenSSH key (BEGIN OPENSSH PRIVATE KEY)";
        }
        if (form != null && !pem.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new BadFileException(file + ": " + form + "; stickylb reads unencrypted PKCS#8 (BEGIN PRIVATE KEY),"
                    + " which 'openssl pkey -in " + file + " -out NEW.key' writes", true, null);
        }
    }

    private static byte[] read(Path file, boolean key) {
        try {
            return Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadFileException(file + ": no such file", key, e);
        } catch (IOException e) {
            throw new BadFileException(file + ": cannot read it (" + rootMessage(e) + ")", key, e);
        }
    }

    /** The key of a PKCS#8 PEM file, for the match check; null when it is in a form only Netty's reader knows. */
    private static PrivateKey pkcs8(Path file) {
        String pem = new String(read(file, true), StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            return null;
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        return null;
    }

    /** True when a signature made with {@code key} verifies with {@code publicKey}. */
    private static boolean matches(PrivateKey key, PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519, Ed448
        };
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return true; // cannot tell: leave the judgement to the handshake
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
