package io.personalize.profile;

import io.personalize.stats.ServingStats;

/** The node's serving services, for the rescorer, which is registered before they exist and reaches them through this. */
public record Serving(ProfileLoader profiles, Limits limits, ServingStats stats) {}
