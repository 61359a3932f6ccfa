using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace OpsAutomation.TestServers;

/// <summary>The API server's metav1.Status error bodies.</summary>
internal static class KubernetesStatus
{
    public static StandInResponse Unauthorized() => Failure(401, "Unauthorized", "Unauthorized", details: null);

    public static StandInResponse Forbidden(string message, V1StatusDetails details) => Failure(403, "Forbidden", message, details);

    public static StandInResponse NotFound(string message, V1StatusDetails details) => Failure(404, "NotFound", message, details);

    public static StandInResponse BadRequest(string message) => Failure(400, "BadRequest", message, details: null);

    public static StandInResponse InternalError(string cause) =>
        Failure(500, "InternalError", $"Internal error occurred: {cause}", new V1StatusDetails { Causes = [new V1StatusCause { Message = cause }] });

    /// <summary>
    /// KubernetesClient reads V1Status through a converter that cannot write, so the envelope is
    /// written here, in the API server's field order; its details go through KubernetesJson.
    /// </summary>
    private static StandInResponse Failure(int code, string reason, string message, V1StatusDetails? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = JsonNode.Parse(KubernetesJson.Serialize(details));
        }
        status["code"] = code;
        return new(code, StandInResponse.Json, status.ToJsonString(StandInJson.Compact));
    }
}
