using System.Text.Json;
using k8s.Autorest;

namespace OpsAutomation.Core.Kubernetes;

/// <summary>
/// The Status object the API server answers a failure with (k8s.io/apimachinery's metav1.Status):
/// code, reason, message and details with their causes, read as the server writes them.
/// </summary>
public sealed record KubernetesStatus(int Code, string? Reason, string? Message, string? DetailsKind, string? DetailsName,
    IReadOnlyList<KubernetesStatusCause> Causes)
{
    /// <summary>The Status of a failed call; a body that is not a Status keeps only the HTTP code and the reason phrase.</summary>
    public static KubernetesStatus FromError(HttpOperationException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var code = (int)error.Response.StatusCode;
        return Parse(code, error.Response.Content) ?? new KubernetesStatus(code, error.Response.ReasonPhrase, null, null, null, []);
    }

    /// <summary>The Status in <paramref name="content"/>, or null when it is not a JSON object.</summary>
    public static KubernetesStatus? Parse(int code, string? content)
    {
        if (string.IsNullOrWhiteSpace(content)) return null;
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            var causes = new List<KubernetesStatusCause>();
            string? kind = null, name = null;
            if (root.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Object)
            {
                kind = String(details, "kind");
                name = String(details, "name");
                if (details.TryGetProperty("causes", out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (var cause in list.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object))
                        causes.Add(new KubernetesStatusCause(String(cause, "reason"), String(cause, "message"), String(cause, "field")));
                }
            }
            var statusCode = root.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : code;
            return new KubernetesStatus(statusCode, String(root, "reason"), String(root, "message"), kind, name, causes);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>One cause of a Status: FieldManagerConflict, FieldValueInvalid ... with the field it names.</summary>
public sealed record KubernetesStatusCause(string? Reason, string? Message, string? Field);
