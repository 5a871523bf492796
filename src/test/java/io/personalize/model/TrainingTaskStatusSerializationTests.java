package io.personalize.model;

import io.personalize.PersonalizePlugin;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.tasks.Task;
import org.elasticsearch.test.AbstractNamedWriteableTestCase;

/** What {@code GET _tasks} shows of a training, read back through the plugin's named-writeable registration. */
public class TrainingTaskStatusSerializationTests extends AbstractNamedWriteableTestCase<Task.Status> {

    @Override
    protected TrainingTask.Status createTestInstance() {
        return new TrainingTask.Status(
                randomAlphaOfLengthBetween(1, 20), randomAlphaOfLengthBetween(1, 12), randomLong(), randomLong());
    }

    @Override
    protected TrainingTask.Status mutateInstance(Task.Status instance) {
        TrainingTask.Status s = (TrainingTask.Status) instance;
        return switch (between(0, 3)) {
            case 0 -> new TrainingTask.Status(s.model() + "x", s.phase(), s.done(), s.total());
            case 1 -> new TrainingTask.Status(s.model(), s.phase() + "x", s.done(), s.total());
            case 2 ->
                new TrainingTask.Status(
                        s.model(),
                        s.phase(),
                        randomValueOtherThan(s.done(), org.elasticsearch.test.ESTestCase::randomLong),
                        s.total());
            default ->
                new TrainingTask.Status(
                        s.model(),
                        s.phase(),
                        s.done(),
                        randomValueOtherThan(s.total(), org.elasticsearch.test.ESTestCase::randomLong));
        };
    }

    @Override
    protected NamedWriteableRegistry getNamedWriteableRegistry() {
        return new NamedWriteableRegistry(new PersonalizePlugin().getNamedWriteables());
    }

    @Override
    protected Class<Task.Status> categoryClass() {
        return Task.Status.class;
    }
}
