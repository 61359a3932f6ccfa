using System.Text.Encodings.Web;
using System.Text.Json;

namespace OpsAutomation.Sandbox.Api;

/// <summary>How the sandbox writes JSON: compact, and quotes and apostrophes as they are, as Go's encoder leaves them.</summary>
public static class WireJson
{
    public static JsonSerializerOptions Options { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
