# Writes OUTPUT, a C++ file holding the texts of data/ as string literals, so the
# rcptguard binary needs no data files at run time.
set(content "// Generated from data/ by cmake/embed_data.cmake. Do not edit.\n")
string(APPEND content "#include \"rcptguard/typo_data.h\"\n\nnamespace rcptguard {\n")
foreach(pair "EmbeddedTldConfusions;tld_confusions.tsv"
             "EmbeddedRestrictedSuffixes;restricted_suffixes.txt"
             "EmbeddedProviders;providers.txt"
             "EmbeddedKnownDomains;known_domains.txt"
             "EmbeddedNameVariants;name_variants.csv"
             "EmbeddedProviderTlds;provider_tlds.txt"
             "EmbeddedPackUkGsc;markings/uk-gsc.toml"
             "EmbeddedPackUsClassification;markings/us-classification.toml"
             "EmbeddedPackAuPspf;markings/au-pspf.toml"
             "EmbeddedPackRfc7444;markings/rfc7444.toml"
             "EmbeddedPackMsip;markings/msip.toml")
  list(GET pair 0 function)
  list(GET pair 1 file)
  file(READ "${SOURCE_DIR}/data/${file}" text)
  string(FIND "${text}" ")rcptguard_data\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "data/${file} contains the raw-string delimiter")
  endif()
  string(APPEND content "\nstd::string_view ${function}() {\n  static constexpr char kText[] = R\"rcptguard_data(${text})rcptguard_data\";\n  return {kText, sizeof(kText) - 1};\n}\n")
endforeach()
string(APPEND content "\n}  // namespace rcptguard\n")
file(WRITE "${OUTPUT}.tmp" "${content}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
