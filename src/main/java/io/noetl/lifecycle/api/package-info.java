/**
 * The custom resources of {@code lifecycle.noetl.io/v1alpha1}. The CRDs in {@code crds/} are generated from
 * these classes; every field's {@code @JsonPropertyDescription} is what {@code kubectl explain} shows.
 */
package io.noetl.lifecycle.api;
