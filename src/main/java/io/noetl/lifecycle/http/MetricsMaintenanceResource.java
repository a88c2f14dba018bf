package io.noetl.lifecycle.http;

import io.noetl.lifecycle.api.Reason;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The seed's endpoints: {@code POST /api/metrics/cleanup} and {@code POST /api/metrics/partitions/create?days_ahead=N}.
 * 404 unless {@code lifecycle.http.enabled}; then 503 on a replica that does not hold the Lease, 401 without the
 * bearer token, 400 on bad parameters.
 */
@Path("/api/metrics")
@Produces(MediaType.APPLICATION_JSON)
public class MetricsMaintenanceResource {
    static final int MAX_DAYS_AHEAD = 1000;

    private final MaintenanceEndpointConfig config;
    private final BearerTokenCheck tokens;
    private final OnDemandMaintenance maintenance;
    private final Leadership leadership;

    public MetricsMaintenanceResource(MaintenanceEndpointConfig config, BearerTokenCheck tokens,
            OnDemandMaintenance maintenance, Leadership leadership) {
        this.config = config;
        this.tokens = tokens;
        this.maintenance = maintenance;
        this.leadership = leadership;
    }

    @POST
    @Path("cleanup")
    public Response cleanup(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return guarded(authorization, () -> Response.ok(maintenance.cleanup()).build());
    }

    @POST
    @Path("partitions/create")
    public Response createPartitions(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @QueryParam("days_ahead") String daysAhead) {
        return guarded(authorization, () -> {
            if (daysAhead == null || daysAhead.isBlank()) {
                return badRequest("days_ahead is required: the number of days to keep partitions ready for");
            }
            int days;
            try {
                days = Integer.parseInt(daysAhead.strip());
            } catch (NumberFormatException e) {
                return badRequest("days_ahead must be an integer, not '" + shorten(daysAhead) + "'");
            }
            if (days < 0 || days > MAX_DAYS_AHEAD) {
                return badRequest("days_ahead must be between 0 and " + MAX_DAYS_AHEAD + ", not " + days);
            }
            return Response.ok(maintenance.createAhead(days)).build();
        });
    }

    private Response guarded(String authorization, Supplier<Response> action) {
        if (!config.enabled()) {
            return Response.status(Response.Status.NOT_FOUND).build();
        }
        // a standby answers before it reads any token: only the leader acts, as only the leader reconciles
        Optional<String> standby = leadership.standby();
        if (standby.isPresent()) {
            return Response.status(Response.Status.SERVICE_UNAVAILABLE).header("Retry-After", "1")
                    .entity(Map.of("reason", Reason.NOT_LEADER.code(), "message", standby.get())).build();
        }
        Optional<BearerTokenCheck.Refusal> refusal = tokens.refusal(authorization);
        if (refusal.isPresent()) {
            return Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
                    .entity(Map.of("reason", refusal.get().reason().code(), "message", refusal.get().message()))
                    .build();
        }
        return action.get();
    }

    private static Response badRequest(String message) {
        return Response.status(Response.Status.BAD_REQUEST)
                .entity(Map.of("reason", Reason.INVALID_PARAMETER.code(), "message", message)).build();
    }

    /** Echoes at most a short prefix of what the caller sent. */
    private static String shorten(String text) {
        return text.length() <= 20 ? text : text.substring(0, 20) + "...";
    }
}
