package io.github.wal4j.inspect;

/**
 * The I/O layer an inspection reads through, and why it is that one: the choice
 * {@code WriteAheadLog.open} makes for the same options.
 *
 * @param name the active layer: {@code "java"}, {@code "native"}, or a caller-supplied layer's name
 * @param requested the layer asked for ({@code "auto"}, {@code "native"}, {@code "java"}) through
 *     {@code WalOptions.withIoLayer}, or, when that was {@code null} or blank, the value of the
 *     {@value #PROPERTY} system property; {@code null} or blank when neither gave one (auto)
 * @param fromProperty whether {@code requested} is the system property's value
 * @param nativeLocation where the native layer was loaded from, in its provider's words
 *     ({@code "libwal4j loaded from ..."}), when it is available; else {@code null}
 * @param nativeUnavailable why the native layer cannot be used here, when it cannot; else {@code null}
 */
public record IoLayerChoice(String name, String requested, boolean fromProperty, String nativeLocation,
        String nativeUnavailable) {

    /** The system property that names the layer when the options do not. */
    public static final String PROPERTY = "wal4j.io";
    /** The name of the native layer. */
    public static final String NATIVE = "native";
}
