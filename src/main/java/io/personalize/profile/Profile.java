package io.personalize.profile;

import io.personalize.serving.NeighborList;
import io.personalize.serving.PopularList;
import io.personalize.serving.UserProfile;
import io.personalize.training.ScoringParams;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one request knows about its shopper and items, fetched once: the stored user profile (null for a user the
 * model does not know), the items whose neighbour lists count ({@link SourceItem}s, in order of importance), those
 * neighbour lists, the items the user has seen (stored history and recent events), and the popular list.
 */
public record Profile(
        ActiveModel model,
        String userId,
        UserProfile user,
        List<SourceItem> sources,
        Map<String, NeighborList> neighbors,
        Set<String> seen,
        PopularList popular) {

    public boolean isEmpty() {
        return user == null && sources.isEmpty();
    }

    public ScoringParams scoring() {
        return popular == null ? ScoringParams.DEFAULTS : popular.scoring();
    }
}
