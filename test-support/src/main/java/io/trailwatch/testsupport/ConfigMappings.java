package io.trailwatch.testsupport;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.validator.BeanValidationConfigValidatorImpl;

import java.time.Duration;
import java.util.Map;

/**
 * A service's config mapping loaded from given values, validated as at start-up (Bean Validation constraints, Quarkus'
 * duration and size syntax such as {@code 5m} and {@code 64M}), without starting the service: for the configuration tests of every service.
 */
public final class ConfigMappings {

    private ConfigMappings() {
    }

    /**
     * @throws io.smallrye.config.ConfigValidationException naming every key whose value is wrong
     * @throws java.util.NoSuchElementException             naming a required key that is missing
     */
    public static <T> T load(Class<T> mapping, Map<String, String> values) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(values, "test", 100))
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withConverter(io.quarkus.runtime.configuration.MemorySize.class, 200,
                        new io.quarkus.runtime.configuration.MemorySizeConverter())
                .withMapping(mapping)
                .withValidator(new BeanValidationConfigValidatorImpl())
                .build();
        return config.getConfigMapping(mapping);
    }
}
