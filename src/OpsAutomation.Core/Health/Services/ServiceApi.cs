using System.Text.Json;

namespace OpsAutomation.Core.Health.Services;

/// <summary>Small helpers the service probes share: API URIs under the base URL, and reading JSON fields.</summary>
internal static class ServiceApi
{
    /// <summary>The API path under the check's base URL (which ends in '/', so a proxy prefix is kept).</summary>
    public static Uri Resolve(PreparedCheck check, string relativePath) => new(new Uri(check.Definition.Target), relativePath);

    public static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Follows object properties; null when any step is missing.</summary>
    public static JsonElement? Path(JsonElement element, params string[] names)
    {
        foreach (var name in names)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element)) return null;
        }
        return element;
    }

    /// <summary>A JSON scalar as the CLR value a Details dictionary holds.</summary>
    public static object? Scalar(JsonElement value) => JsonValues.ToClr(value);
}
