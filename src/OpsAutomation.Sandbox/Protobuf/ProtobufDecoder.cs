using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using OpsAutomation.Sandbox.Api;

namespace OpsAutomation.Sandbox.Protobuf;

/// <summary>
/// Reads a Kubernetes protobuf body ("k8s\0" and a runtime.Unknown holding apiVersion, kind and the
/// object) into the JSON object the API would have received as application/json: Time as RFC 3339,
/// Quantity and IntOrString as their JSON forms, RawExtension and FieldsV1 as the JSON they carry,
/// bytes as base64, maps as objects; an empty string or an empty Time is left out, as omitempty does.
/// </summary>
public sealed class ProtobufDecoder(ProtobufSchemas schemas)
{
    private const string Meta = "k8s.io.apimachinery.pkg.apis.meta.v1";
    private static readonly byte[] Magic = "k8s\0"u8.ToArray();

    public JsonObject DecodeObject(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw ApiStatus.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]").AsException();
        }
        var unknown = Message(body[Magic.Length..], "k8s.io.apimachinery.pkg.runtime.Unknown") as JsonObject ?? [];
        var apiVersion = unknown["typeMeta"]?["apiVersion"]?.GetValue<string>() ?? "";
        var kind = unknown["typeMeta"]?["kind"]?.GetValue<string>() ?? "";
        var raw = Convert.FromBase64String(unknown["raw"]?.GetValue<string>() ?? "");
        var package = apiVersion.Contains('/', StringComparison.Ordinal)
            ? $"k8s.io.api.{apiVersion.Split('/')[0]}.{apiVersion.Split('/')[1]}"
            : $"k8s.io.api.core.{apiVersion}";
        var name = schemas.Message($"{package}.{kind}") is not null ? $"{package}.{kind}" : $"{Meta}.{kind}";
        if (schemas.Message(name) is null)
        {
            throw ApiStatus.BadRequest($"no kind \"{kind}\" is registered for version \"{apiVersion}\" in the sandbox's protobuf schemas").AsException();
        }
        var obj = Message(raw, name) as JsonObject ?? [];
        obj["apiVersion"] = apiVersion;
        obj["kind"] = kind;
        return obj;
    }

    private JsonNode? Message(ReadOnlySpan<byte> data, string type)
    {
        var values = new Dictionary<int, List<(int Wire, ulong Number, byte[]? Bytes)>>();
        var reader = new WireReader(data);
        while (!reader.Done)
        {
            var tag = reader.Varint();
            var field = (int)(tag >> 3);
            var wire = (int)(tag & 7);
            var value = wire switch
            {
                0 => (wire, reader.Varint(), (byte[]?)null),
                1 => (wire, reader.Fixed(8), null),
                2 => (wire, 0UL, reader.Bytes()),
                5 => (wire, reader.Fixed(4), null),
                _ => throw ApiStatus.BadRequest($"unsupported protobuf wire type {wire}").AsException(),
            };
            if (!values.TryGetValue(field, out var list))
            {
                list = [];
                values[field] = list;
            }
            list.Add(value);
        }
        switch (type)
        {
            case $"{Meta}.Time" or $"{Meta}.MicroTime":
                var seconds = (long)Number(values, 1);
                var nanos = (long)Number(values, 2);
                if (seconds == 0 && nanos == 0)
                {
                    return null;
                }
                var time = DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(nanos / 100);
                return type.EndsWith("MicroTime", StringComparison.Ordinal)
                    ? time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture)
                    : ObjectStore.Timestamp(time);
            case "k8s.io.apimachinery.pkg.api.resource.Quantity":
                return Text(values, 1);
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString":
                return Number(values, 1) == 1 ? Text(values, 3) : JsonValue.Create((int)Number(values, 2));
            case "k8s.io.apimachinery.pkg.runtime.RawExtension" or $"{Meta}.FieldsV1":
                var raw = values.GetValueOrDefault(1)?.LastOrDefault().Bytes;
                return raw is null || raw.Length == 0 ? null : JsonNode.Parse(raw);
        }
        var schema = schemas.Message(type) ?? throw ApiStatus.BadRequest($"the sandbox has no protobuf schema for {type}").AsException();
        var obj = new JsonObject();
        foreach (var (number, occurrences) in values)
        {
            if (!schema.TryGetValue(number, out var field))
            {
                continue;
            }
            if (field.Type == "map")
            {
                var map = new JsonObject();
                foreach (var entry in occurrences)
                {
                    var pair = new WireReader(entry.Bytes);
                    string? key = null;
                    JsonNode? value = null;
                    while (!pair.Done)
                    {
                        var tag = pair.Varint();
                        if ((tag & 7) != 2)
                        {
                            pair.Varint();
                            continue;
                        }
                        var bytes = pair.Bytes();
                        if (tag >> 3 == 1)
                        {
                            key = Encoding.UTF8.GetString(bytes);
                        }
                        else
                        {
                            value = Scalar(field.MapValueType!, 2, 0, bytes);
                        }
                    }
                    map[key ?? ""] = value ?? (field.MapValueType == "string" ? "" : null);
                }
                obj[field.Name] = map;
                continue;
            }
            var decoded = occurrences.SelectMany(o => Values(field.Type, o)).ToList();
            if (field.Repeated)
            {
                obj[field.Name] = new JsonArray([.. decoded]);
            }
            else if (decoded.LastOrDefault() is { } single && !(single is JsonValue v && v.TryGetValue<string>(out var s) && s.Length == 0))
            {
                obj[field.Name] = single;
            }
        }
        return obj;
    }

    private List<JsonNode?> Values(string type, (int Wire, ulong Number, byte[]? Bytes) occurrence)
    {
        if (occurrence.Wire == 2 && type is "int32" or "int64" or "bool")
        {
            // A packed repeated number.
            var packed = new WireReader(occurrence.Bytes);
            var items = new List<JsonNode?>();
            while (!packed.Done)
            {
                items.Add(Scalar(type, 0, packed.Varint(), null));
            }
            return items;
        }
        return [Scalar(type, occurrence.Wire, occurrence.Number, occurrence.Bytes)];
    }

    private JsonNode? Scalar(string type, int wire, ulong number, byte[]? bytes) => type switch
    {
        "string" => Encoding.UTF8.GetString(bytes ?? []),
        "bytes" => Convert.ToBase64String(bytes ?? []),
        "bool" => JsonValue.Create(number != 0),
        "int32" => JsonValue.Create((int)number),
        "int64" => JsonValue.Create((long)number),
        "double" => JsonValue.Create(BitConverter.Int64BitsToDouble((long)number)),
        "float" => JsonValue.Create(BitConverter.Int32BitsToSingle((int)number)),
        _ => wire == 2 ? Message(bytes, type) : null,
    };

    private static ulong Number(Dictionary<int, List<(int Wire, ulong Number, byte[]? Bytes)>> values, int field) =>
        values.GetValueOrDefault(field)?.LastOrDefault().Number ?? 0;

    private static string? Text(Dictionary<int, List<(int Wire, ulong Number, byte[]? Bytes)>> values, int field) =>
        values.GetValueOrDefault(field)?.LastOrDefault().Bytes is { } bytes ? Encoding.UTF8.GetString(bytes) : null;

    /// <summary>The protobuf wire format: varints, fixed-width numbers and length-delimited bytes.</summary>
    private ref struct WireReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool Done => _position >= _data.Length;

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Next();
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }
            throw ApiStatus.BadRequest("malformed protobuf varint").AsException();
        }

        public ulong Fixed(int size)
        {
            ulong result = 0;
            for (var i = 0; i < size; i++)
            {
                result |= (ulong)Next() << (8 * i);
            }
            return result;
        }

        public byte[] Bytes()
        {
            var length = (int)Varint();
            if (length < 0 || _position + length > _data.Length)
            {
                throw ApiStatus.BadRequest("malformed protobuf: a length runs past the end").AsException();
            }
            var bytes = _data.Slice(_position, length).ToArray();
            _position += length;
            return bytes;
        }

        private byte Next() =>
            _position < _data.Length ? _data[_position++] : throw ApiStatus.BadRequest("malformed protobuf: the body ends early").AsException();
    }
}
