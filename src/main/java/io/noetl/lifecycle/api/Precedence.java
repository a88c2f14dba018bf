package io.noetl.lifecycle.api;

/**
 * Whose values stand in a registry row's reported columns ({@code uri}/{@code base_url}, {@code labels},
 * {@code capacity}, {@code runtime}) once the component has written its row itself, when they differ from the
 * RuntimeComponent's declaration.
 */
public enum Precedence {
    /**
     * The component's own report stands; the difference is shown in {@code status.drift}, as {@code Degraded=True}
     * reason {@code DeclarationDiffers}, and in one Event per change. The default.
     */
    Component,
    /** The declared values are written back over the component's, once per change, with one Event. */
    Declaration
}
