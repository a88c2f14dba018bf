package io.noetl.lifecycle.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.noetl.lifecycle.OperatorConfig;
import io.noetl.lifecycle.api.DatabaseRef;
import io.noetl.lifecycle.api.Reason;
import io.noetl.lifecycle.postgres.DatabaseTarget;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Turns {@code spec.database} into a {@link DatabaseTarget}: the named Secret, or the operator's default. */
@ApplicationScoped
public class TargetResolver {
    private final OperatorConfig config;

    public TargetResolver(OperatorConfig config) {
        this.config = config;
    }

    /**
     * @param secrets looks a Secret up by name in the resource's namespace (the informer cache)
     */
    public DatabaseTarget resolve(HasMetadata resource, DatabaseRef ref, Function<String, Optional<Secret>> secrets)
            throws ReconcileException {
        if (ref == null || ref.getSecretRef() == null) {
            OperatorConfig.DefaultDatabase d = config.defaultDatabase();
            if (d.url().isEmpty()) {
                throw new ReconcileException(Reason.NO_DATABASE, "spec.database.secretRef is not set and the operator "
                        + "has no default database (lifecycle.default-database.url)");
            }
            return target(d.url().get(), d.username().orElse(null), d.password().orElse(null), "the default database");
        }
        String name = ref.getSecretRef().getName();
        Secret secret = secrets.apply(name).orElseThrow(() -> new ReconcileException(Reason.SECRET_NOT_FOUND,
                "Secret " + resource.getMetadata().getNamespace() + "/" + name + " does not exist"));
        String url = secretValue(secret, "url");
        if (url == null) {
            throw new ReconcileException(Reason.SECRET_INVALID, "Secret " + name + " has no key 'url'");
        }
        return target(url, secretValue(secret, "username"), secretValue(secret, "password"), "Secret " + name);
    }

    private static DatabaseTarget target(String url, String user, String password, String source)
            throws ReconcileException {
        try {
            return new DatabaseTarget(url.strip(), user == null ? null : user.strip(), password);
        } catch (IllegalArgumentException e) {
            throw new ReconcileException(Reason.SECRET_INVALID, source + ": " + e.getMessage());
        }
    }

    /** A Secret's value for {@code key}, from stringData or decoded from data; null when it has none. */
    public static String secretValue(Secret secret, String key) {
        Map<String, String> string = secret.getStringData();
        if (string != null && string.containsKey(key)) {
            return string.get(key);
        }
        Map<String, String> data = secret.getData();
        if (data != null && data.containsKey(key)) {
            return new String(Base64.getDecoder().decode(data.get(key).strip()), StandardCharsets.UTF_8);
        }
        return null;
    }
}
