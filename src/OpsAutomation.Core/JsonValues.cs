using System.Text.Json;

namespace OpsAutomation.Core;

/// <summary>JSON values as the CLR values PowerShell shows naturally in a Details dictionary.</summary>
internal static class JsonValues
{
    public static object? ToClr(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? (object)whole : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => value.GetRawText(),
    };
}
