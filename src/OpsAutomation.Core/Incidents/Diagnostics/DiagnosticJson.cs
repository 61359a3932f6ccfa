using System.Text.Json;
using System.Text.Json.Serialization;

namespace OpsAutomation.Core.Incidents.Diagnostics;

/// <summary>How the sources write their JSON files: indented, enums by name, nulls left out.</summary>
internal static class DiagnosticJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options) + "\n";
}
