package io.noetl.lifecycle.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** One declared field whose registry column holds another value, the one the component registered itself. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class FieldDrift {
    @JsonPropertyDescription("The spec field: `baseUrl`, `labels`, `capacity` or `runtime`.")
    private String field;
    @JsonPropertyDescription("The registry column that holds it (`uri` or `base_url` for `baseUrl`).")
    private String column;
    @JsonPropertyDescription("The declared value as the registry would store it (JSON as text), at most 256 characters.")
    private String declared;
    @JsonPropertyDescription("The value the component reported and the row holds (JSON as text), at most 256 "
            + "characters; absent when the column is NULL.")
    private String reported;

    public FieldDrift() {
    }

    public FieldDrift(String field, String column, String declared, String reported) {
        this.field = field;
        this.column = column;
        this.declared = declared;
        this.reported = reported;
    }

    public String getField() {
        return field;
    }

    public void setField(String field) {
        this.field = field;
    }

    public String getColumn() {
        return column;
    }

    public void setColumn(String column) {
        this.column = column;
    }

    public String getDeclared() {
        return declared;
    }

    public void setDeclared(String declared) {
        this.declared = declared;
    }

    public String getReported() {
        return reported;
    }

    public void setReported(String reported) {
        this.reported = reported;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldDrift d && Objects.equals(field, d.field) && Objects.equals(column, d.column)
                && Objects.equals(declared, d.declared) && Objects.equals(reported, d.reported);
    }

    @Override
    public int hashCode() {
        return Objects.hash(field, column, declared, reported);
    }

    @Override
    public String toString() {
        return field + " " + (reported == null ? "NULL" : reported) + " (declared " + declared + ")";
    }
}
