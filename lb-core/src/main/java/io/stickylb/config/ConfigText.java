package io.stickylb.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads a config or scenario file as UTF-8 text, turning every way it cannot be read into a {@link ConfigException}
 * that names the file and the reason.
 */
public final class ConfigText {

    /**
     * Four bytes per code point at most: a longer file is beyond the YAML reader's limit of 2^20 code points, and
     * reading it whole first ended in OutOfMemoryError for a multi-gigabyte file or a device given by mistake.
     */
    static final int MAX_BYTES = 4 << 20;

    private ConfigText() {
    }

    /** The file's text; refused when larger than 4 MiB, unreadable or not UTF-8. */
    public static String read(Path file) throws ConfigException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new ConfigException(file + ": cannot read: larger than 4 MiB, which is no config");
            }
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": cannot read: no such file", e);
        } catch (AccessDeniedException e) {
            throw new ConfigException(file + ": cannot read: permission denied", e);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file + ": cannot read: not valid UTF-8", e);
        } catch (IOException e) {
            String reason = Files.isDirectory(file) ? "is a directory" : String.valueOf(e.getMessage());
            throw new ConfigException(file + ": cannot read: " + reason, e);
        }
    }
}
