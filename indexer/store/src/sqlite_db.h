// A thin RAII layer over SQLite, private to the store: a connection and prepared statements.
// Errors become deskside::Error(io / corrupt_index) carrying SQLite's message.
// One SqliteDb per thread; statements belong to the connection that prepared them.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace deskside::store {

class SqliteDb;

class Statement {
  public:
    Statement(SqliteDb& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Binds are 1-based, as in SQLite.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, std::string_view value);
    Statement& bind_double(int index, double value);
    Statement& bind(int index, const std::optional<std::int64_t>& value);
    Statement& bind_null(int index);

    // True while there is a row to read; false when done.
    bool step();
    // step() a statement that returns no rows.
    void run();
    void reset();

    std::int64_t column_int(int index) const;
    std::optional<std::int64_t> column_optional_int(int index) const;
    std::string column_text(int index) const;
    double column_double(int index) const;

  private:
    SqliteDb& db_;
    sqlite3_stmt* stmt_ = nullptr;  // owned; finalised in the destructor
};

class SqliteDb {
  public:
    enum class Mode { read_only, read_write };
    SqliteDb(const std::filesystem::path& path, Mode mode);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    void exec(std::string_view sql);
    std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
    sqlite3* handle() { return db_; }
    [[noreturn]] void fail(std::string_view what, int rc);

  private:
    sqlite3* db_ = nullptr;  // owned
    std::string path_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() was called.
class Transaction {
  public:
    explicit Transaction(SqliteDb& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

  private:
    SqliteDb& db_;
    bool done_ = false;
};

}  // namespace deskside::store
