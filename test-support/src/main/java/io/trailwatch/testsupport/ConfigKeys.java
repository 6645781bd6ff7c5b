package io.trailwatch.testsupport;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The property names of a Quarkus config mapping, as the docs must list them: {@code prefix.group.kebab-name}; a map
 * of groups is listed as {@code prefix.map.<name>.key}.
 */
public final class ConfigKeys {

    private ConfigKeys() {
    }

    /** Every leaf key of the mapping interface; nested interfaces of the mapping are groups. */
    public static List<String> of(String prefix, Class<?> mapping) {
        List<String> keys = new ArrayList<>();
        collect(prefix, mapping, mapping, keys);
        return keys;
    }

    private static void collect(String prefix, Class<?> type, Class<?> root, List<String> keys) {
        for (Method m : type.getMethods()) { // with what a group inherits (AwsClientConfig)
            if (m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String key = prefix + "." + m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            Class<?> ret = m.getReturnType();
            if (ret.isInterface() && ret.getEnclosingClass() == root) {
                collect(key, ret, root, keys);
            } else if (java.util.Map.class.isAssignableFrom(ret)
                    && m.getGenericReturnType() instanceof java.lang.reflect.ParameterizedType pt
                    && pt.getActualTypeArguments()[1] instanceof Class<?> value && value.isInterface()
                    && value.getEnclosingClass() == root) {
                collect(key + ".<name>", value, root, keys);
            } else {
                keys.add(key);
            }
        }
    }
}
