// docs/reference.md holds the tables that `gantry keys --markdown` and
// `gantry list --markdown` print from the schema and the registries; a new
// key or registry member without a regenerated page fails here.
#include <gtest/gtest.h>

#include "TestSupport.h"

TEST(ReferenceDocsTest, TheReferencePageHoldsTheCurrentTables) {
  const auto page = gantry::test::readFile(std::filesystem::path(GANTRY_SOURCE_DIR) / "docs" / "reference.md");
  for (const char* command : {"keys --markdown", "list --markdown"}) {
    auto r = gantry::test::runGantry(command);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    ASSERT_FALSE(r.out.empty());
    EXPECT_NE(page.find(r.out), std::string::npos)
        << "docs/reference.md is out of date: regenerate it with scripts/reference (gantry " << command << ")";
  }
}
