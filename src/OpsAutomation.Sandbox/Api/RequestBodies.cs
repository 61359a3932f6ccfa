using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using OpsAutomation.Sandbox.Protobuf;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// Request bodies as the server reads them: JSON or client-go's protobuf, checked against the URL's
/// kind, decoded through the model type with the server's field validation, and DeleteOptions.
/// </summary>
public sealed class RequestBodies
{
    private const string Json = "application/json";
    private const string Protobuf = "application/vnd.kubernetes.protobuf";
    private readonly ProtobufDecoder _protobuf = new(ProtobufSchemas.Load());

    /// <summary>
    /// Reads a body through its model type. Fields the type does not know are, by ?fieldValidation=,
    /// a 400 (Strict), a Warning header (Warn, the default) or dropped (Ignore), as the real server does.
    /// </summary>
    public static JsonObject Decode(HttpContext context, ResourceType type, JsonObject body, Func<IReadOnlyList<string>, string>? strictMessage = null)
    {
        JsonObject decoded;
        try
        {
            decoded = type.Normalize(body);
        }
        catch (JsonException e)
        {
            throw ApiStatus.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: {e.Message}").AsException();
        }
        decoded["apiVersion"] = type.ApiVersion;
        decoded["kind"] = type.Kind;
        var unknown = UnknownFields.Find(body, decoded);
        var validation = context.Request.Query["fieldValidation"].ToString();
        if (unknown.Count > 0 && validation == "Strict")
        {
            throw ApiStatus.BadRequest(strictMessage?.Invoke(unknown)
                ?? $"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: "
                + string.Join(", ", unknown.Select(f => $"unknown field \"{f}\""))).AsException();
        }
        if (validation is "" or "Warn")
        {
            foreach (var field in unknown)
            {
                context.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
            }
        }
        decoded["metadata"] ??= new JsonObject();
        return decoded;
    }

    /// <summary>Reads a body that must be an object of the type the URL names (an autoscaling/v1 Scale for /scale).</summary>
    public async Task<JsonObject> ReadObjectAsync(HttpContext context, ResourcePath target)
    {
        var contentType = context.Request.ContentType?.Split(';')[0].Trim() ?? "";
        JsonNode? body;
        if (contentType == Protobuf)
        {
            // client-go's typed clients (kubectl create namespace|deployment|...) send protobuf.
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
            body = _protobuf.DecodeObject(buffer.ToArray());
        }
        else if (contentType is "" or Json)
        {
            body = await ReadJsonAsync(context).ConfigureAwait(false);
        }
        else
        {
            throw ApiStatus.UnsupportedMediaType(contentType, $"{Json}, {Protobuf}").AsException();
        }
        if (body is not JsonObject obj)
        {
            throw ApiStatus.BadRequest($"couldn't get version/kind; json parse error: json: cannot unmarshal {JsonKind(body)} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}").AsException();
        }
        var (expectedVersion, expectedKind) = target.Subresource == "scale" ? ("autoscaling/v1", "Scale") : (target.Type.ApiVersion, target.Type.Kind);
        // As the server decodes with the URL's kind as the default: a body may leave apiVersion and kind out.
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        var kind = obj["kind"]?.GetValue<string>();
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != expectedVersion)
        {
            throw ApiStatus.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({expectedVersion})").AsException();
        }
        if (!string.IsNullOrEmpty(kind) && kind != expectedKind)
        {
            throw ApiStatus.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({expectedKind})").AsException();
        }
        obj["apiVersion"] = expectedVersion;
        obj["kind"] = expectedKind;
        return obj;
    }

    private static string JsonKind(JsonNode? node) => node switch
    {
        JsonArray => "array",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "string",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => "number",
        _ => "null",
    };

    public static async Task<JsonNode?> ReadJsonAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw ApiStatus.BadRequest($"couldn't get version/kind; json parse error: {e.Message}").AsException();
        }
    }

    public static async Task<V1DeleteOptions?> ReadDeleteOptionsAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            return KubernetesJson.Deserialize<V1DeleteOptions>(text);
        }
        catch (JsonException e)
        {
            throw ApiStatus.BadRequest($"couldn't get version/kind; json parse error: {e.Message}").AsException();
        }
    }
}
