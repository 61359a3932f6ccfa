using System.Text;
using System.Text.Json.Nodes;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// A list's continue token in the real server's form: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"ns/name\u0000"}.
/// The next page starts after the last key sent; it is read from the objects as they are now.
/// </summary>
public sealed record ContinueToken(long ResourceVersion, string Start)
{
    public string Encode()
    {
        var json = new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = ResourceVersion, ["start"] = Start + "\u0000" }.ToJsonString(WireJson.Options);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static ContinueToken? Parse(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(base64)))!;
            if (json["v"]?.GetValue<string>() != "meta.k8s.io/v1")
            {
                throw ApiStatus.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)").AsException();
            }
            return new ContinueToken(json["rv"]!.GetValue<long>(), json["start"]!.GetValue<string>().TrimEnd('\u0000'));
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiStatus.BadRequest($"continue key is not valid: {e.Message}").AsException();
        }
    }
}
