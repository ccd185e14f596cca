package dev.baton.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A view declared with a session. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class ViewSpec {
  @Required
  @Size(min = 1, max = 128)
  @JsonPropertyDescription("The view's name.")
  private String name;

  @Required
  @Size(min = 1, max = 65536)
  @JsonPropertyDescription("The view's query, in SQL.")
  private String sql;

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getSql() {
    return sql;
  }

  public void setSql(String sql) {
    this.sql = sql;
  }
}
