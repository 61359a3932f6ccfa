using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpsAutomation.Core.Configuration;

/// <summary>YAML (one document) into the configuration tree, with YAML 1.2 core-schema scalars.</summary>
public sealed class YamlConfigurationFormat : IConfigurationFormat
{
    public IReadOnlyCollection<string> Extensions { get; } = [".yaml", ".yml"];

    public object? Parse(string text, string origin)
    {
        YamlStream stream;
        try
        {
            stream = BoundedYaml.Load(text);
        }
        catch (YamlException ex)
        {
            throw new ConfigurationException($"not valid YAML: {ex.InnerException?.Message ?? ex.Message}", origin, line: (int)ex.Start.Line, inner: ex);
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, origin, "");
    }

    private static object? Convert(YamlNode node, string origin, string path)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var map = ConfigurationTree.NewMap();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: var name })
                        throw new ConfigurationException($"a key must be a name, not a {keyNode.NodeType.ToString().ToLowerInvariant()}", origin, path.Length == 0 ? null : path, (int)keyNode.Start.Line);
                    name ??= "";
                    var key = ConfigurationTree.Child(path, name);
                    if (!map.TryAdd(name, Convert(valueNode, origin, key)))
                        throw new ConfigurationException("the key appears twice", origin, key, (int)keyNode.Start.Line);
                }
                return map;
            case YamlSequenceNode sequence:
                var list = new List<object?>();
                for (var i = 0; i < sequence.Children.Count; i++)
                    list.Add(Convert(sequence.Children[i], origin, ConfigurationTree.Item(path, i)));
                return list;
            case YamlScalarNode scalar:
                return ConvertScalar(scalar);
            default:
                throw new ConfigurationException($"unsupported YAML node {node.NodeType}", origin, path, (int)node.Start.Line);
        }
    }

    private static object? ConvertScalar(YamlScalarNode scalar)
    {
        var value = scalar.Value;
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
            return value;
        switch (value)
        {
            case null or "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
        }
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
            return integer;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
            return real;
        return value;
    }
}
