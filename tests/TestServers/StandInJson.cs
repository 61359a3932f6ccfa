using System.Text.Encodings.Web;
using System.Text.Json;

namespace OpsAutomation.TestServers;

/// <summary>Serializer settings that escape as little as the real services do (quotes as \", not \u0022).</summary>
internal static class StandInJson
{
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };
}
