package io.trailwatch.detect.engine;

/** A rule file that is not a valid rule: names the file, the line and the problem. */
public final class RuleParseException extends Exception {

    private final String file;
    private final int line;

    public RuleParseException(String file, int line, String problem) {
        super(file + (line > 0 ? ":" + line : "") + ": " + problem);
        this.file = file;
        this.line = line;
    }

    public String file() {
        return file;
    }

    /** 1-based; 0 when unknown. */
    public int line() {
        return line;
    }
}
