package io.personalize.recommend;

import java.util.List;
import java.util.Map;

/** A candidate as the catalogue has it: passes the request's filter, with its _source, attribute values and vector. */
record CatalogItem(String item, Map<String, Object> source, Map<String, List<String>> attributes, float[] vector) {}
