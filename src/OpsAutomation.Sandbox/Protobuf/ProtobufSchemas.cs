using System.Text.RegularExpressions;

namespace OpsAutomation.Sandbox.Protobuf;

/// <summary>One field of a protobuf message: its JSON name, number, type and whether it repeats or is a map.</summary>
public sealed record ProtoField(string Name, int Number, string Type, bool Repeated, string? MapValueType);

/// <summary>
/// The messages of the Kubernetes generated.proto files (Protobuf/ORIGIN.md), read from the embedded
/// files: enough to turn a protobuf body into the JSON the rest of the sandbox reads. Field names in
/// those files are the JSON names.
/// </summary>
public sealed partial class ProtobufSchemas
{
    private readonly Dictionary<string, Dictionary<int, ProtoField>> _messages = new(StringComparer.Ordinal);

    public static ProtobufSchemas Load()
    {
        var schemas = new ProtobufSchemas();
        var assembly = typeof(ProtobufSchemas).Assembly;
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("Protobuf.", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            schemas.Read(reader.ReadToEnd());
        }
        return schemas;
    }

    public IReadOnlyDictionary<int, ProtoField>? Message(string fullName) => _messages.GetValueOrDefault(fullName);

    private void Read(string proto)
    {
        var text = LineComment().Replace(proto, "");
        var package = PackageLine().Match(text).Groups[1].Value;
        foreach (Match message in MessageBlock().Matches(text))
        {
            var fields = new Dictionary<int, ProtoField>();
            foreach (Match field in FieldLine().Matches(message.Groups["body"].Value))
            {
                var number = int.Parse(field.Groups["number"].Value, System.Globalization.CultureInfo.InvariantCulture);
                var name = field.Groups["name"].Value;
                if (field.Groups["mapValue"].Success)
                {
                    fields[number] = new ProtoField(name, number, "map", false, Qualify(package, field.Groups["mapValue"].Value));
                }
                else
                {
                    fields[number] = new ProtoField(name, number, Qualify(package, field.Groups["type"].Value), field.Groups["label"].Value == "repeated", null);
                }
            }
            _messages[$"{package}.{message.Groups["name"].Value}"] = fields;
        }
    }

    private static string Qualify(string package, string type) => type switch
    {
        "string" or "bytes" or "bool" or "int32" or "int64" or "double" or "float" => type,
        _ when type.StartsWith('.') => type[1..],
        _ => $"{package}.{type}",
    };

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex LineComment();

    [GeneratedRegex(@"^package\s+([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex PackageLine();

    [GeneratedRegex(@"message\s+(?<name>\w+)\s*\{(?<body>[^{}]*)\}")]
    private static partial Regex MessageBlock();

    [GeneratedRegex(@"(?:(?<label>optional|repeated)\s+(?<type>[\w.]+)|map<\s*string\s*,\s*(?<mapValue>[\w.]+)\s*>)\s+(?<name>\w+)\s*=\s*(?<number>\d+)")]
    private static partial Regex FieldLine();
}
