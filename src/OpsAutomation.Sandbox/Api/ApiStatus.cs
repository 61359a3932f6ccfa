using System.Text.Json.Nodes;
using k8s.Models;

namespace OpsAutomation.Sandbox.Api;

/// <summary>
/// The Status bodies of k8s.io/apimachinery/pkg/api/errors, word for word: reason, code, and details
/// whose kind is the resource (deployments) for NotFound/AlreadyExists/Conflict/Forbidden and the Kind
/// (Deployment) for Invalid, as the real server writes them.
/// </summary>
public static class ApiStatus
{
    public static V1Status NotFound(ResourceType type, string name) =>
        Failure($"{type.QualifiedPlural} \"{name}\" not found", "NotFound", 404, ResourceDetails(type, name));

    /// <summary>A path no resource serves.</summary>
    public static V1Status PathNotFound() =>
        Failure("the server could not find the requested resource", "NotFound", 404, new V1StatusDetails());

    public static V1Status AlreadyExists(ResourceType type, string name) =>
        Failure($"{type.QualifiedPlural} \"{name}\" already exists", "AlreadyExists", 409, ResourceDetails(type, name));

    public static V1Status Conflict(ResourceType type, string name, string why) =>
        Failure($"Operation cannot be fulfilled on {type.QualifiedPlural} \"{name}\": {why}", "Conflict", 409, ResourceDetails(type, name));

    public static V1Status StaleResourceVersion(ResourceType type, string name) =>
        Conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static V1Status Invalid(ResourceType type, string name, IReadOnlyList<V1StatusCause> causes)
    {
        ArgumentNullException.ThrowIfNull(type);
        var status = Invalid(type.QualifiedKind, name, causes);
        status.Details.Group = GroupOrNull(type);
        status.Details.Kind = type.Kind;
        return status;
    }

    /// <summary>errors.NewInvalid: "Kind.group \"name\" is invalid: field: message" (several causes in brackets).</summary>
    public static V1Status Invalid(string qualifiedKind, string name, IReadOnlyList<V1StatusCause> causes)
    {
        ArgumentNullException.ThrowIfNull(causes);
        var list = causes.Count == 1
            ? $"{causes[0].Field}: {causes[0].Message}"
            : "[" + string.Join(", ", causes.Select(c => $"{c.Field}: {c.Message}")) + "]";
        var dot = qualifiedKind.IndexOf('.', StringComparison.Ordinal);
        return Failure($"{qualifiedKind} \"{name}\" is invalid: {list}", "Invalid", 422, new V1StatusDetails
        {
            Name = name.Length == 0 ? null : name,
            Group = dot < 0 ? null : qualifiedKind[(dot + 1)..],
            Kind = dot < 0 ? qualifiedKind : qualifiedKind[..dot],
            Causes = [.. causes],
        });
    }

    /// <summary>Server-side apply's 409 (errors.NewApplyConflict): the causes name each field and its manager.</summary>
    public static V1Status ApplyConflict(string message, IReadOnlyList<V1StatusCause> causes) =>
        Failure(message, "Conflict", 409, new V1StatusDetails { Causes = [.. causes] });

    public static V1Status BadRequest(string message) => Failure(message, "BadRequest", 400, details: null);

    /// <summary>A patch that does not apply to the object (errors.NewGenericServerResponse with 422, as patch.go writes it).</summary>
    public static V1Status PatchRejected(string why) =>
        Failure("the server rejected our request due to an error in our request", "Invalid", 422,
            new V1StatusDetails { Causes = [new V1StatusCause { Reason = "UnexpectedServerResponse", Message = why }] });

    public static V1Status Unauthorized() => Failure("Unauthorized", "Unauthorized", 401, details: null);

    public static V1Status Forbidden(string message, V1StatusDetails details) => Failure(message, "Forbidden", 403, details);

    public static V1Status MethodNotSupported(ResourceType type, string verb) =>
        Failure($"{verb} is not supported on resources of kind \"{type.QualifiedPlural}\"", "MethodNotAllowed", 405,
            new V1StatusDetails { Group = GroupOrNull(type), Kind = type.Plural });

    public static V1Status UnsupportedMediaType(string contentType, string accepted) =>
        Failure($"the body of the request was in an unknown format - accepted media types include: {accepted}; got {contentType}",
            "UnsupportedMediaType", 415, details: null);

    /// <summary>The watch and list answer for a resourceVersion older than the server keeps.</summary>
    public static V1Status Expired(string message) => Failure(message, "Expired", 410, details: null);

    public static V1Status InternalError(string message) =>
        Failure($"Internal error occurred: {message}", "InternalError", 500,
            new V1StatusDetails { Causes = [new V1StatusCause { Message = message }] });

    /// <summary>The body of a successful delete of a resource that does not return the deleted object.</summary>
    public static V1Status Deleted(ResourceType type, string name, string uid) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Metadata = new V1ListMeta(),
        Status = "Success",
        Details = new V1StatusDetails { Name = name, Group = GroupOrNull(type), Kind = type.Plural, Uid = uid },
    };

    public static V1StatusDetails ResourceDetails(ResourceType type, string? name)
    {
        ArgumentNullException.ThrowIfNull(type);
        return new V1StatusDetails { Name = name, Group = GroupOrNull(type), Kind = type.Plural };
    }

    /// <summary>The core group is left out of details, as Go's omitempty does.</summary>
    private static string? GroupOrNull(ResourceType type) => type.Group.Length == 0 ? null : type.Group;

    private static V1Status Failure(string message, string reason, int code, V1StatusDetails? details) => new()
    {
        Kind = "Status",
        ApiVersion = "v1",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = message,
        Reason = reason,
        Details = details,
        Code = code,
    };

    /// <summary>
    /// The Status as the server writes it, fields in its order (KubernetesClient reads a V1Status but
    /// does not write one); empty fields left out as Go's omitempty does.
    /// </summary>
    public static string ToJson(V1Status status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var json = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = status.Status };
        Add(json, "message", status.Message);
        Add(json, "reason", status.Reason);
        if (status.Details is { } details)
        {
            var detailsJson = new JsonObject();
            Add(detailsJson, "name", details.Name);
            Add(detailsJson, "group", details.Group);
            Add(detailsJson, "kind", details.Kind);
            Add(detailsJson, "uid", details.Uid);
            if (details.Causes is { Count: > 0 } causes)
            {
                detailsJson["causes"] = new JsonArray([.. causes.Select(c =>
                {
                    var cause = new JsonObject();
                    Add(cause, "reason", c.Reason);
                    Add(cause, "message", c.Message);
                    Add(cause, "field", c.Field);
                    return (JsonNode)cause;
                })]);
            }
            json["details"] = detailsJson;
        }
        if (status.Code is { } code && status.Status != "Success")
        {
            json["code"] = code;
        }
        return json.ToJsonString(WireJson.Options);
    }

    private static void Add(JsonObject json, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            json[name] = value;
        }
    }

    public static ApiException AsException(this V1Status status) => new(status);
}
